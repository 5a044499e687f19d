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
#include <unistd.h>

#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "kit/httpd/exchange.h"
#include "kit/httpd/listener.h"
#include "kit/httpd/request_parse.h"
#include "kit/httpd/respond.h"

namespace vk::httpd {

using internal::BindListener;
using internal::BoundPort;
using internal::Exchange;
using internal::HasBody;
using internal::Holder;
using internal::Mode;
using internal::ParseTarget;
using internal::QueueCommitted;
using internal::QueueError;
using internal::RemoteAddress;
using internal::RunHandler;

namespace {

// The most of an abandoned upload drained before the connection is closed
// instead (room for a JSON body somewhat over its 32 MiB cap to get a 413).
constexpr uint64_t kMaxDrain = 64 << 20;
// Per-connection memory for MHD (headers plus the read buffer that upload
// chunks arrive in); larger than the 32 KiB default for upload throughput.
constexpr size_t kConnectionMemoryLimit = 128 * 1024;

MHD_Result CollectHeader(void* cls, MHD_ValueKind /*kind*/, const char* key,
                         const char* value) {
  static_cast<std::vector<std::pair<std::string, std::string>>*>(cls)
      ->emplace_back(key != nullptr ? key : "", value != nullptr ? value : "");
  return MHD_YES;
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

// The options Start refuses before touching the network.
Status CheckOptions(const Options& options, bool tls) {
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
  return Status::Ok();
}

// MHD's options for serving on `fd` with `impl`'s callbacks; with TLS, the
// certificate and key point into impl->options, which outlives the daemon.
std::vector<MHD_OptionItem> DaemonOptions(Server::Impl* impl, int fd,
                                          bool tls) {
  const Options& options = impl->options;
  std::vector<MHD_OptionItem> items = {
      {MHD_OPTION_LISTEN_SOCKET, fd, nullptr},
      {MHD_OPTION_CONNECTION_TIMEOUT,
       static_cast<intptr_t>(options.connection_timeout.count()), nullptr},
      {MHD_OPTION_CONNECTION_LIMIT,
       static_cast<intptr_t>(options.max_connections), nullptr},
      {MHD_OPTION_CONNECTION_MEMORY_LIMIT,
       static_cast<intptr_t>(kConnectionMemoryLimit), nullptr},
      CallbackOption(MHD_OPTION_URI_LOG_CALLBACK, &OnUri, impl),
      CallbackOption(MHD_OPTION_NOTIFY_COMPLETED, &OnCompleted, impl),
  };
  if (tls) {
    items.push_back({MHD_OPTION_HTTPS_MEM_CERT, 0,
                     const_cast<char*>(options.tls_cert_pem.c_str())});
    items.push_back({MHD_OPTION_HTTPS_MEM_KEY, 0,
                     const_cast<char*>(options.tls_key_pem.c_str())});
  }
  items.push_back({MHD_OPTION_END, 0, nullptr});
  return items;
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Start(const Options& options,
                                              Handler handler) {
  bool tls = !options.tls_cert_pem.empty() || !options.tls_key_pem.empty();
  VK_RETURN_IF_ERROR(CheckOptions(options, tls));
  VK_ASSIGN_OR_RETURN(int fd, BindListener(options.address, options.port));
  int port = BoundPort(fd);

  auto impl = std::make_unique<Impl>();
  impl->handler = std::move(handler);
  impl->options = options;
  Impl* self = impl.get();
  std::vector<MHD_OptionItem> items = DaemonOptions(self, fd, tls);
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
