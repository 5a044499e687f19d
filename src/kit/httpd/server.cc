// Threading model. libmicrohttpd runs one thread per connection and calls
// OnAccess on it: once when the headers are in, once per upload chunk, and
// once more after the body. MHD only accepts a response from inside that
// callback on that thread, and only right after the headers or after the
// whole body. So the handler runs on a worker thread and the connection
// thread waits for it:
//  - after the headers, if a body follows, until the handler either starts
//    reading it (the body then flows through `Exchange::body`, blocking the
//    connection thread while the pipe is full) or answers without it (the
//    response is queued at once; MHD drops the body and closes after);
//  - after the body, until the handler commits status and headers. A
//    streamed response is an MHD callback response of unknown size
//    (chunked) pulling from `Exchange::out`.
// OnCompleted runs on the connection thread when the request ends (done,
// client gone, or shutdown); it fails both pipes if the request did not
// finish, then joins the worker, so no handler outlives its connection.
#include "kit/httpd/server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "kit/base/byte_pipe.h"
#include "kit/base/strings.h"

namespace vk::httpd {
namespace {

constexpr size_t kPipeCapacity = 256 * 1024;
// The most of an abandoned upload drained before the connection is closed
// instead (room for a JSON body somewhat over its 32 MiB cap to get a 413).
constexpr uint64_t kMaxDrain = 64 << 20;
constexpr size_t kResponseBlockSize = 64 * 1024;
// Per-connection memory for MHD (headers plus the read buffer that upload
// chunks arrive in); larger than the 32 KiB default for upload throughput.
constexpr size_t kConnectionMemoryLimit = 128 * 1024;
constexpr char kInternalErrorBody[] = R"({"errors":["internal server error"]})";

void SetHeaderIn(std::vector<std::pair<std::string, std::string>>& headers,
                 std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `s`; nullopt on a malformed escape.
std::optional<std::string> Unescape(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Fills r.path and r.query from the request target as sent. Fails only on
// a malformed escape in the path (Go's server answers those with 400).
bool ParseTarget(std::string_view target, Request& r) {
  target = target.substr(0, target.find('#'));
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  // Absolute form ("http://host/path"), allowed by RFC 9112 for servers.
  if (raw_path.starts_with("http://") || raw_path.starts_with("https://")) {
    size_t slash = raw_path.find('/', raw_path.find("//") + 2);
    raw_path = slash == std::string_view::npos ? std::string_view("/")
                                               : raw_path.substr(slash);
  }
  std::optional<std::string> path = Unescape(raw_path, false);
  if (!path) return false;
  r.path = std::move(*path);
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view()
                                              : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::optional<std::string> key = Unescape(pair.substr(0, eq), true);
    std::optional<std::string> value =
        eq == std::string_view::npos ? std::string()
                                     : Unescape(pair.substr(eq + 1), true);
    if (key && value) r.query.emplace_back(std::move(*key), std::move(*value));
  }
  return true;
}

bool HasBody(const Request& r) {
  if (r.Header("Transfer-Encoding")) return true;
  std::optional<std::string> length = r.Header("Content-Length");
  return length && length->find_first_not_of("0 \t") != std::string::npos;
}

enum class Mode { kOpen, kBuffered, kStreaming };

struct Exchange;

// The handler's view of the upload; the first Read tells the connection
// thread that the handler wants the body.
class BodySource final : public ByteSource {
 public:
  explicit BodySource(Exchange* ex) : ex_(ex) {}
  Result<size_t> Read(MutableByteSpan dst) override;

 private:
  Exchange* ex_;
  bool noted_ = false;
};

// One request: shared by the connection thread (through MHD's per-request
// pointer and the streaming response) and the server's registry. The worker
// uses a plain pointer; it is always joined before the last owner lets go.
struct Exchange {
  ~Exchange() {
    Abort(Aborted("request abandoned"));
    Join();
  }
  void Abort(const Status& why) {
    body.Fail(why);
    out.Fail(why);
    std::lock_guard lock(mu);
    aborted = true;
    cv.notify_all();
  }
  void Join() {
    std::lock_guard lock(join_mu);
    if (worker.joinable()) worker.join();
  }

  // Connection thread only.
  std::string raw_target;
  bool started = false;
  bool discard_body = false;
  uint64_t discarded = 0;

  Request request;  // filled before the worker starts, then the worker's
  bool head = false;
  BodySource body_source{this};
  BytePipe body{kPipeCapacity};  // upload: connection thread -> handler
  BytePipe out{kPipeCapacity};   // streamed response: handler -> MHD

  std::mutex mu;
  std::condition_variable cv;
  bool body_wanted = false;   // guarded by mu
  bool handler_done = false;  // guarded by mu
  bool aborted = false;       // guarded by mu
  Mode mode = Mode::kOpen;    // guarded by mu
  // Written by the worker while mode is kOpen, read-only afterwards.
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  std::mutex join_mu;
  std::thread worker;
};

Result<size_t> BodySource::Read(MutableByteSpan dst) {
  if (!noted_) {
    noted_ = true;
    std::lock_guard lock(ex_->mu);
    ex_->body_wanted = true;
    ex_->cv.notify_all();
  }
  return ex_->body.Read(dst);
}

class ServerWriter final : public ResponseWriter {
 public:
  explicit ServerWriter(Exchange* ex) : ex_(ex) {}

  void SetStatus(int status) override {
    if (mode_ == Mode::kOpen) ex_->status = status;
  }
  void SetHeader(std::string name, std::string value) override {
    if (mode_ == Mode::kOpen) {
      SetHeaderIn(ex_->headers, std::move(name), std::move(value));
    }
  }
  Status Write(ByteSpan data) override {
    if (mode_ == Mode::kOpen) Commit(Mode::kStreaming);
    if (mode_ == Mode::kBuffered) {
      return FailedPrecondition("Write after Send on an HTTP response");
    }
    if (ex_->head) return Status::Ok();  // HEAD: the body is never sent
    return ex_->out.Write(data);
  }
  bool committed() const override { return mode_ != Mode::kOpen; }
  Mode mode() const { return mode_; }

 protected:
  void DoSend(int status, std::string body, std::string content_type) override {
    if (mode_ != Mode::kOpen) return;
    ex_->status = status;
    if (!content_type.empty()) {
      SetHeaderIn(ex_->headers, "Content-Type", std::move(content_type));
    }
    ex_->payload = std::move(body);
    Commit(Mode::kBuffered);
  }

 private:
  void Commit(Mode mode) {
    mode_ = mode;
    std::lock_guard lock(ex_->mu);
    ex_->mode = mode;
    ex_->cv.notify_all();
  }

  Exchange* ex_;
  Mode mode_ = Mode::kOpen;
};

void RunHandler(Exchange* ex, const Handler* handler) {
  ServerWriter writer(ex);
  bool threw = false;
  try {
    (*handler)(ex->request, writer);
  } catch (...) {
    threw = true;
  }
  // Whatever the handler did not read is drained by the connection thread.
  ex->body.CloseRead();
  if (writer.mode() == Mode::kStreaming) {
    if (threw) {
      // Ends the chunked body without its terminator: the client sees a
      // truncated response, not a complete one.
      ex->out.Fail(Internal("the request handler failed mid-response"));
    } else {
      ex->out.CloseWrite();
    }
  }
  std::lock_guard lock(ex->mu);
  if (ex->mode == Mode::kOpen) {
    if (threw) {
      ex->status = 500;
      ex->headers = {{"Content-Type", "application/json"}};
      ex->payload = kInternalErrorBody;
    }
    ex->mode = Mode::kBuffered;
  }
  ex->handler_done = true;
  ex->cv.notify_all();
}

using Holder = std::shared_ptr<Exchange>;

ssize_t ReadOut(void* cls, uint64_t /*pos*/, char* buf, size_t max) {
  Exchange& ex = **static_cast<Holder*>(cls);
  Result<size_t> n =
      ex.out.Read(MutableByteSpan(reinterpret_cast<uint8_t*>(buf), max));
  if (!n.ok()) return MHD_CONTENT_READER_END_WITH_ERROR;
  if (*n == 0) return MHD_CONTENT_READER_END_OF_STREAM;
  return static_cast<ssize_t>(*n);
}

void FreeOutHolder(void* cls) { delete static_cast<Holder*>(cls); }

MHD_Result QueueBuffer(
    MHD_Connection* c, int status, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  MHD_Response* resp = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (resp == nullptr) return MHD_NO;
  for (const auto& [name, value] : headers) {
    MHD_add_response_header(resp, name.c_str(), value.c_str());
  }
  MHD_Result r = MHD_queue_response(c, static_cast<unsigned>(status), resp);
  MHD_destroy_response(resp);
  return r;
}

MHD_Result QueueError(MHD_Connection* c, int status, std::string_view message,
                      bool close) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"}};
  if (close) headers.emplace_back("Connection", "close");
  std::string body = R"({"errors":[")" + std::string(message) + R"("]})";
  return QueueBuffer(c, status, body, headers);
}

// Queues the committed response of `holder`'s exchange.
MHD_Result QueueCommitted(MHD_Connection* c, const Holder& holder) {
  Exchange& ex = *holder;
  // A handler status MHD would refuse (1xx as a final answer, not three
  // digits) is a handler bug; answer 500 rather than dropping the line.
  int status = ex.status >= 200 && ex.status <= 999 ? ex.status : 500;
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : ex.headers) {
    if (EqualsIgnoreCase(h.first, "Content-Length") ||
        EqualsIgnoreCase(h.first, "Transfer-Encoding")) {
      continue;
    }
    headers.push_back(h);
  }
  if (ex.mode == Mode::kBuffered) {
    return QueueBuffer(c, status, ex.payload, headers);
  }
  auto* out_holder = new Holder(holder);
  MHD_Response* resp =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, kResponseBlockSize,
                                        &ReadOut, out_holder, &FreeOutHolder);
  if (resp == nullptr) {
    delete out_holder;
    return MHD_NO;
  }
  for (const auto& [name, value] : headers) {
    MHD_add_response_header(resp, name.c_str(), value.c_str());
  }
  MHD_Result r = MHD_queue_response(c, static_cast<unsigned>(status), resp);
  MHD_destroy_response(resp);
  return r;
}

MHD_Result CollectHeader(void* cls, MHD_ValueKind /*kind*/, const char* key,
                         const char* value) {
  static_cast<std::vector<std::pair<std::string, std::string>>*>(cls)
      ->emplace_back(key != nullptr ? key : "", value != nullptr ? value : "");
  return MHD_YES;
}

std::string RemoteAddress(MHD_Connection* c) {
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "";
  const sockaddr* sa = info->client_addr;
  socklen_t len =
      sa->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  char host[NI_MAXHOST];
  if (getnameinfo(sa, len, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) !=
      0) {
    return "";
  }
  return host;
}

Result<int> BindListener(const std::string& address, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string port_str = std::to_string(port);
  std::string where = (address.empty() ? "*" : address) + ":" + port_str;
  int rc = getaddrinfo(address.empty() ? nullptr : address.c_str(),
                       port_str.c_str(), &hints, &res);
  if (rc != 0) {
    return InvalidArgument("cannot resolve listen address " + where + ": " +
                           gai_strerror(rc));
  }
  Status last = InvalidArgument("no usable address for " + where);
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last = ErrnoStatus("socket for " + where, errno);
      continue;
    }
    int one = 1;
    // Lets a restarted server rebind while old connections sit in
    // TIME_WAIT; Linux still refuses a second listener on the port.
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      int err = errno;
      close(fd);
      if (err == EADDRINUSE) {
        last = Unavailable("cannot listen on " + where +
                           ": address already in use");
      } else if (err == EADDRNOTAVAIL) {
        last = InvalidArgument("cannot listen on " + where +
                               ": not an address of this host");
      } else {
        last = ErrnoStatus("bind " + where, err);
      }
      continue;
    }
    if (listen(fd, SOMAXCONN) != 0) {
      int err = errno;
      close(fd);
      last = err == EADDRINUSE ? Unavailable("cannot listen on " + where +
                                             ": address already in use")
                               : ErrnoStatus("listen on " + where, err);
      continue;
    }
    freeaddrinfo(res);
    return fd;
  }
  freeaddrinfo(res);
  return last;
}

int BoundPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

}  // namespace

struct Server::Impl {
  // Connection thread, first call for a request: parse, register, start
  // the handler, and wait for it to want the body or answer.
  MHD_Result Begin(MHD_Connection* c, const Holder& holder,
                   const char* method) {
    Exchange& ex = *holder;
    ex.started = true;
    Request& r = ex.request;
    r.method = method != nullptr ? method : "";
    ex.head = r.method == "HEAD";
    MHD_get_connection_values(c, MHD_HEADER_KIND, &CollectHeader, &r.headers);
    r.remote_address = RemoteAddress(c);
    if (!ParseTarget(ex.raw_target, r)) {
      return QueueError(c, 400, "invalid URL escape", false);
    }
    r.body_source = &ex.body_source;
    {
      std::lock_guard lock(mu);
      if (stopping) {
        return QueueError(c, 503, "the server is shutting down", true);
      }
      live.emplace(&ex, holder);
    }
    try {
      ex.worker = std::thread(&RunHandler, &ex, &handler);
    } catch (const std::system_error&) {
      Unregister(&ex);
      return QueueError(c, 503, "cannot start a request thread", true);
    }
    if (!HasBody(r)) return MHD_YES;
    std::unique_lock lock(ex.mu);
    ex.cv.wait(lock, [&] {
      return ex.body_wanted || ex.mode != Mode::kOpen || ex.aborted;
    });
    if (ex.body_wanted) return MHD_YES;
    if (ex.mode == Mode::kOpen) return MHD_NO;  // aborted
    lock.unlock();
    // Answered without looking at the body: MHD skips the body and closes
    // the connection after this response.
    ex.body.Fail(Aborted("the request body was discarded"));
    return QueueCommitted(c, holder);
  }

  // Connection thread, after the whole body: wait for the handler's commit.
  MHD_Result Finish(MHD_Connection* c, const Holder& holder) {
    Exchange& ex = *holder;
    ex.body.CloseWrite();
    {
      std::unique_lock lock(ex.mu);
      ex.cv.wait(lock, [&] { return ex.mode != Mode::kOpen || ex.aborted; });
      if (ex.mode == Mode::kOpen) return MHD_NO;
    }
    return QueueCommitted(c, holder);
  }

  void Unregister(Exchange* ex) {
    std::lock_guard lock(mu);
    live.erase(ex);
    cv.notify_all();
  }

  Handler handler;
  Options options;
  MHD_Daemon* daemon = nullptr;

  std::mutex mu;
  std::condition_variable cv;
  std::map<Exchange*, Holder> live;  // requests with a handler; guarded
  bool stopping = false;             // guarded

  // MHD's own error messages, kept only while starting so that a failed
  // start can say why; afterwards they are dropped (library code does not
  // log).
  std::mutex log_mu;
  bool capture_log = true;  // guarded by log_mu
  std::string start_log;    // guarded by log_mu
};

namespace {

void* OnUri(void* /*cls*/, const char* uri, MHD_Connection* /*c*/) {
  auto ex = std::make_shared<Exchange>();
  ex->raw_target = uri != nullptr ? uri : "";
  return new Holder(std::move(ex));
}

MHD_Result OnAccess(void* cls, MHD_Connection* c, const char* /*url*/,
                    const char* method, const char* /*version*/,
                    const char* upload_data, size_t* upload_data_size,
                    void** con_cls) {
  auto* impl = static_cast<Server::Impl*>(cls);
  auto* holder = static_cast<Holder*>(*con_cls);
  if (holder == nullptr) return MHD_NO;
  Exchange& ex = **holder;
  if (!ex.started) return impl->Begin(c, *holder, method);
  if (*upload_data_size > 0) {
    if (!ex.discard_body) {
      ByteSpan chunk(reinterpret_cast<const uint8_t*>(upload_data),
                     *upload_data_size);
      // Fails once the handler has stopped reading: drain the rest.
      if (!ex.body.Write(chunk).ok()) ex.discard_body = true;
    } else {
      // A body the handler gave up on is drained so the response can go
      // out, but not forever: an endless upload gets the connection closed.
      ex.discarded += *upload_data_size;
      if (ex.discarded > kMaxDrain) return MHD_NO;
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  return impl->Finish(c, *holder);
}

void OnCompleted(void* cls, MHD_Connection* /*c*/, void** con_cls,
                 MHD_RequestTerminationCode toe) {
  auto* impl = static_cast<Server::Impl*>(cls);
  auto* holder = static_cast<Holder*>(*con_cls);
  *con_cls = nullptr;
  if (holder == nullptr) return;
  Holder ex = std::move(*holder);
  delete holder;
  if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
    // The response is complete (or has no body, as for 204 or HEAD):
    // further writes have nowhere to go.
    ex->out.CloseRead();
  } else {
    ex->Abort(
        Aborted("the client connection closed before the response "
                "was complete"));
  }
  ex->Join();
  impl->Unregister(ex.get());
}

void OnLog(void* cls, const char* fmt, va_list ap) {
  auto* impl = static_cast<Server::Impl*>(cls);
  char buf[512];
  vsnprintf(buf, sizeof(buf), fmt, ap);
  std::lock_guard lock(impl->log_mu);
  if (!impl->capture_log) return;
  std::string line(buf);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) {
    line.pop_back();
  }
  if (line.empty()) return;
  if (!impl->start_log.empty()) impl->start_log += "; ";
  impl->start_log += line;
}

template <typename Fn>
MHD_OptionItem CallbackOption(MHD_OPTION option, Fn fn, void* cls) {
  return {option, reinterpret_cast<intptr_t>(fn), cls};
}

}  // namespace

std::optional<std::string> Request::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

ByteSource& Request::body() {
  return body_source != nullptr ? *body_source : empty_body_;
}

void MemoryResponseWriter::SetStatus(int status) {
  if (!committed_) status_ = status;
}

void MemoryResponseWriter::SetHeader(std::string name, std::string value) {
  if (!committed_) SetHeaderIn(headers_, std::move(name), std::move(value));
}

Status MemoryResponseWriter::Write(ByteSpan data) {
  if (committed_ && !streamed_) {
    return FailedPrecondition("Write after Send on an HTTP response");
  }
  committed_ = true;
  streamed_ = true;
  body_.append(AsChars(data));
  return Status::Ok();
}

std::optional<std::string> MemoryResponseWriter::header(
    std::string_view name) const {
  for (const auto& [k, v] : headers_) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

void MemoryResponseWriter::DoSend(int status, std::string body,
                                  std::string content_type) {
  if (committed_) return;
  status_ = status;
  if (!content_type.empty()) {
    SetHeaderIn(headers_, "Content-Type", std::move(content_type));
  }
  body_ = std::move(body);
  committed_ = true;
}

Result<std::unique_ptr<Server>> Server::Start(const Options& options,
                                              Handler handler) {
  bool tls = !options.tls_cert_pem.empty() || !options.tls_key_pem.empty();
  if (tls && (options.tls_cert_pem.empty() || options.tls_key_pem.empty())) {
    return InvalidArgument("TLS needs both a certificate and a private key");
  }
  if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    return FailedPrecondition("libmicrohttpd was built without TLS support");
  }
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgument("listen port " + std::to_string(options.port) +
                           " is out of range");
  }
  if (options.max_connections == 0) {
    return InvalidArgument("max_connections must be at least 1");
  }
  VK_ASSIGN_OR_RETURN(int fd, BindListener(options.address, options.port));
  int port = BoundPort(fd);

  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  impl->options = options;
  Impl* self = impl.get();
  std::vector<MHD_OptionItem> items = {
      {MHD_OPTION_LISTEN_SOCKET, fd, nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT,
       static_cast<intptr_t>(options.connection_timeout.count()), nullptr},
      {MHD_OPTION_CONNECTION_LIMIT,
       static_cast<intptr_t>(options.max_connections), nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT,
       static_cast<intptr_t>(kConnectionMemoryLimit), nullptr},
      CallbackOption(MHD_OPTION_URI_LOG_CALLBACK, &OnUri, self),
      CallbackOption(MHD_OPTION_NOTIFY_COMPLETED, &OnCompleted, self),
  };
  if (tls) {
    items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0,
                     const_cast<char*>(impl->options.tls_cert_pem.c_str())});
    items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0,
                     const_cast<char*>(impl->options.tls_key_pem.c_str())});
  }
  items.push_back({MHD_OPTION_END, 0, nullptr});
  unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD |
                   MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
                   MHD_USE_ERROR_LOG;
  if (tls) flags |= MHD_USE_TLS;
  // The logger goes first: MHD prints to stderr until it has seen it. The
  // port argument is ignored, as MHD takes the socket bound above.
  impl->daemon = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &OnAccess, self, MHD_OPTION_EXTERNAL_LOGGER,
      &OnLog, self, MHD_OPTION_ARRAY, items.data(), MHD_OPTION_END);
  std::string why;
  {
    std::lock_guard lock(impl->log_mu);
    impl->capture_log = false;
    why = std::move(impl->start_log);
  }
  if (impl->daemon == nullptr) {
    // MHD closes the listen socket on the failure paths that follow taking
    // it over (TLS setup included), so it is not closed here.
    std::string detail = why.empty() ? "" : " (" + why + ")";
    if (tls) {
      return InvalidArgument(
          "cannot start the HTTPS server: the TLS certificate or key is "
          "invalid or they do not match" +
          detail);
    }
    return Internal("cannot start the HTTP server" + detail);
  }
  return std::unique_ptr<Server>(new Server(std::move(impl), port));
}

Server::Server(std::unique_ptr<Impl> impl, int port)
    : impl_(std::move(impl)), port_(port) {}

Server::~Server() { Stop(); }

bool Server::tls() const { return !impl_->options.tls_cert_pem.empty(); }

void Server::Stop() {
  if (impl_->daemon == nullptr) return;
  // Stop accepting; the listen socket comes back to us to close.
  MHD_socket listen_fd = MHD_quiesce_daemon(impl_->daemon);
  {
    std::unique_lock lock(impl_->mu);
    impl_->stopping = true;
    impl_->cv.wait_for(lock, impl_->options.stop_grace,
                       [&] { return impl_->live.empty(); });
    for (auto& [ex, holder] : impl_->live) {
      holder->Abort(Unavailable("the server is stopping"));
    }
  }
  // Closes every connection; each one's OnCompleted joins its handler.
  MHD_stop_daemon(impl_->daemon);
  impl_->daemon = nullptr;
  if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
  std::map<Exchange*, Holder> left;
  {
    std::lock_guard lock(impl_->mu);
    left.swap(impl_->live);
  }
  for (auto& [ex, holder] : left) {
    holder->Abort(Unavailable("the server is stopping"));
    holder->Join();
  }
}

}  // namespace vk::httpd
