#include "kit/httpc/client.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "kit/base/check.h"
#include "kit/base/strings.h"

namespace vk::httpc {
namespace {

constexpr size_t kExpectThreshold = 1 << 20;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once,
                 [] { VK_CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == 0); });
}

// RFC 9110 token characters: what a method or header name may contain.
bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char ch : s) {
    if (ch <= 32 || ch >= 127 || std::strchr("\"(),/:;<=>?@[\\]{}", ch))
      return false;
  }
  return true;
}

bool HasLineBreak(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos ||
         s.find('\0') != std::string_view::npos;
}

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::string UrlPart(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* s = nullptr;
  if (curl_url_get(u, part, &s, flags) != CURLUE_OK || s == nullptr) return "";
  std::string out(s);
  curl_free(s);
  return out;
}

// "<method> <scheme://host:port/path>" for error messages: the query,
// fragment and user info are left out because they may carry secrets.
Result<std::string> Describe(const std::string& method,
                             const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  VK_CHECK(u != nullptr);
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return InvalidArgument(method + ": malformed URL");
  std::string scheme = AsciiLower(UrlPart(u.get(), CURLUPART_SCHEME));
  std::string host = UrlPart(u.get(), CURLUPART_HOST);
  std::string port = UrlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  std::string path = UrlPart(u.get(), CURLUPART_PATH);
  std::string where = method + " " + scheme + "://" + host + ":" + port + path;
  if (scheme != "http" && scheme != "https")
    return InvalidArgument(where + ": only http and https URLs are supported");
  return where;
}

struct UrlParts {
  std::string scheme, host, port, rest;  // rest: path and query
};

Result<UrlParts> SplitUrl(const std::string& url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  VK_CHECK(u != nullptr);
  if (curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
    return InvalidArgument("malformed URL");
  UrlParts p;
  p.scheme = AsciiLower(UrlPart(u.get(), CURLUPART_SCHEME));
  p.host = UrlPart(u.get(), CURLUPART_HOST);
  p.port = UrlPart(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  p.rest = UrlPart(u.get(), CURLUPART_PATH);
  std::string query = UrlPart(u.get(), CURLUPART_QUERY);
  if (!query.empty()) p.rest += "?" + query;
  return p;
}

void SetBlob(CURL* c, CURLoption option, const std::string& pem) {
  curl_blob blob{const_cast<char*>(pem.data()), pem.size(), CURL_BLOB_COPY};
  curl_easy_setopt(c, option, &blob);
}

void SetTls(CURL* c, const Options& o) {
  if (!o.ca_file.empty())
    curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  if (!o.ca_pem.empty()) SetBlob(c, CURLOPT_CAINFO_BLOB, o.ca_pem);
  if (!o.client_cert_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLCERT, o.client_cert_file.c_str());
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!o.client_cert_pem.empty()) {
    SetBlob(c, CURLOPT_SSLCERT_BLOB, o.client_cert_pem);
    curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
  }
  if (!o.client_key_file.empty()) {
    curl_easy_setopt(c, CURLOPT_SSLKEY, o.client_key_file.c_str());
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (!o.client_key_pem.empty()) {
    SetBlob(c, CURLOPT_SSLKEY_BLOB, o.client_key_pem);
    curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (o.insecure_skip_verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

// Stall detection over a sliding window: the transfer is stalled when
// fewer than limit*window bytes moved (either way) in the last `window`
// seconds. curl's own low-speed check averages its rate over ~5 s before
// its timer even starts, so a dead stream was cut only after the timeout
// plus 5-7 s; curl calls the progress function at least once a second, so
// this cuts it within about a second of the timeout.
class StallWatch {
 public:
  using Clock = std::chrono::steady_clock;
  StallWatch(long window_s, long bytes_per_s)
      : window_(std::chrono::seconds(window_s)),
        min_bytes_(static_cast<uint64_t>(std::max(1L, bytes_per_s)) *
                   static_cast<uint64_t>(window_s)) {}

  // True when stalled, given the bytes moved so far.
  bool Stalled(uint64_t moved) {
    Clock::time_point now = Clock::now();
    samples_.push_back({now, moved});
    // Keep exactly one sample at or before the window's start.
    while (samples_.size() > 1 && samples_[1].time <= now - window_)
      samples_.pop_front();
    const Sample& oldest = samples_.front();
    return oldest.time <= now - window_ && moved - oldest.bytes < min_bytes_;
  }

 private:
  struct Sample {
    Clock::time_point time;
    uint64_t bytes;
  };
  std::chrono::seconds window_;
  uint64_t min_bytes_;
  std::deque<Sample> samples_;
};

// One call's state, shared with curl's callbacks.
struct Transfer {
  const Request* req;
  Response* resp;
  CURL* curl;
  std::string where;
  Status error;               // set by a callback; wins over curl's code
  size_t body_pos = 0;        // next byte of req->body to send
  int64_t uploaded = 0;       // bytes taken from req->body_source
  bool headers_seen = false;  // on_headers has been called
  std::optional<StallWatch> stall;
  long stall_timeout_s = 0;
  long stall_bytes_per_s = 0;
};

int OnProgress(void* ud, curl_off_t, curl_off_t dlnow, curl_off_t,
               curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(ud);
  if (!t->stall) return 0;
  if (t->stall->Stalled(static_cast<uint64_t>(dlnow + ulnow))) {
    t->error =
        Unavailable(t->where + ": stalled: fewer than " +
                    std::to_string(t->stall_bytes_per_s) + " byte/s for " +
                    std::to_string(t->stall_timeout_s) + " s after " +
                    std::to_string(dlnow + ulnow) + " bytes");
    return 1;  // aborts the transfer
  }
  return 0;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return std::string(s);
}

size_t OnHeader(char* data, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  std::string_view line(data, size * n);
  auto& headers = t->resp->headers;
  if (line.starts_with("HTTP/")) {
    headers.clear();  // a new (final or interim) response starts
  } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
    if (!headers.empty()) {  // obsolete line folding
      std::string more = Trim(line);
      if (!more.empty()) headers.back().second += " " + more;
    }
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    headers.emplace_back(AsciiLower(line.substr(0, colon)),
                         Trim(line.substr(colon + 1)));
  }
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t len = size * n;
  long code = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
  ByteSpan chunk(reinterpret_cast<const uint8_t*>(data), len);
  if (t->req->response_sink != nullptr && code / 100 == 2) {
    if (t->req->on_headers && !t->headers_seen) {
      t->headers_seen = true;
      t->resp->status = static_cast<int>(code);
      if (Status s = t->req->on_headers(*t->resp); !s.ok()) {
        t->error = std::move(s);
        return 0;
      }
    }
    Status s = t->req->response_sink->Write(chunk);
    if (!s.ok()) {
      t->error = std::move(s);
      return 0;  // anything but len aborts the transfer
    }
    return len;
  }
  std::string& body = t->resp->body;
  if (len > t->req->max_body - body.size()) {
    t->error = FailedPrecondition(t->where + ": response body larger than " +
                                  std::to_string(t->req->max_body) + " bytes");
    return 0;
  }
  body.append(AsChars(chunk));
  return len;
}

size_t OnUpload(char* buf, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  size_t len = size * n;
  const Request& r = *t->req;
  if (r.body_source == nullptr) {
    size_t k = std::min(len, r.body.size() - t->body_pos);
    std::memcpy(buf, r.body.data() + t->body_pos, k);
    t->body_pos += k;
    return k;
  }
  if (r.content_length >= 0) {
    len = static_cast<size_t>(std::min<int64_t>(
        static_cast<int64_t>(len), r.content_length - t->uploaded));
    if (len == 0) return 0;
  }
  Result<size_t> got = r.body_source->Read(
      MutableByteSpan(reinterpret_cast<uint8_t*>(buf), len));
  if (!got.ok()) {
    t->error = got.status();
    return CURL_READFUNC_ABORT;
  }
  if (got.value() == 0 && r.content_length >= 0) {
    t->error = InvalidArgument(
        t->where + ": request body ended after " + std::to_string(t->uploaded) +
        " of the " + std::to_string(r.content_length) + " bytes announced");
    return CURL_READFUNC_ABORT;
  }
  t->uploaded += static_cast<int64_t>(got.value());
  return got.value();
}

// curl rewinds the body when it resends a request, e.g. after finding a
// kept-alive connection closed by the server. Only an in-memory body can.
int OnSeek(void* ud, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(ud);
  if (t->req->body_source != nullptr || origin != SEEK_SET || offset < 0 ||
      static_cast<uint64_t>(offset) > t->req->body.size())
    return CURL_SEEKFUNC_CANTSEEK;
  t->body_pos = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

}  // namespace

std::optional<std::string> Response::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

Client::Client(Options o) : options_(std::move(o)) {
  GlobalInit();
  curl_ = curl_easy_init();
  VK_CHECK(curl_ != nullptr);
}

Client::~Client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Result<Response> Client::Do(const Request& r) {
  if (!IsToken(r.method))
    return InvalidArgument("HTTP method " + Quote(r.method) +
                           " is not a token");
  VK_ASSIGN_OR_RETURN(std::string where, Describe(r.method, r.url));
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* l = curl_slist_append(headers.get(), line.c_str());
    VK_CHECK(l != nullptr);
    headers.release();
    headers.reset(l);
  };
  for (const auto& [name, value] : r.headers) {
    // The value stays out of the message: it may be a token.
    if (!IsToken(name) || HasLineBreak(value))
      return InvalidArgument(where + ": header " + Quote(name) +
                             " is malformed");
    // curl drops a header written "Name:"; "Name;" sends it empty.
    add_header(value.empty() ? name + ";" : name + ": " + value);
  }
  // A streamed or large body waits for the server's 100 Continue, so that
  // an early answer (a standby's 307, a 403) arrives before any of it is
  // sent: a server that answers without reading the body closes the
  // connection, and a client still sending would get a broken pipe
  // instead of the answer. Small bodies go at once (saves a round trip;
  // the server reads them with the headers).
  add_header(r.body_source != nullptr || r.body.size() > kExpectThreshold
                 ? "Expect: 100-continue"
                 : "Expect:");

  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);  // keeps the connection cache
  Response resp;
  Transfer t{&r, &resp, c, where};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  std::string connect_to;  // must outlive the transfer
  std::unique_ptr<curl_slist, SlistDeleter> connect_to_list;
  if (!options_.server_name.empty()) {
    // Address the server by the certificate's name and tell curl where
    // that name really is: SNI and verification use the name, the TCP
    // connection goes to the URL's host and port.
    VK_ASSIGN_OR_RETURN(UrlParts parts, SplitUrl(r.url));
    connect_to = options_.server_name + ":" + parts.port + ":" + parts.host +
                 ":" + parts.port;
    connect_to_list.reset(curl_slist_append(nullptr, connect_to.c_str()));
    VK_CHECK(connect_to_list != nullptr);
    curl_easy_setopt(c, CURLOPT_CONNECT_TO, connect_to_list.get());
    std::string renamed = parts.scheme + "://" + options_.server_name + ":" +
                          parts.port + parts.rest;
    curl_easy_setopt(c, CURLOPT_URL, renamed.c_str());  // curl copies it
  }
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   r.timeout_ms >= 0 ? r.timeout_ms : options_.timeout_ms);
  if (options_.stall_timeout_s > 0) {
    t.stall.emplace(options_.stall_timeout_s, options_.stall_bytes_per_s);
    t.stall_timeout_s = options_.stall_timeout_s;
    t.stall_bytes_per_s = options_.stall_bytes_per_s;
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  }
  SetTls(c, options_);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());

  bool send_body = r.body_source != nullptr ||
                   (r.method != "GET" && r.method != "HEAD") || !r.body.empty();
  if (r.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    send_body = false;
  } else if (r.method != "GET" || send_body) {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  if (send_body) {
    curl_off_t size = r.body_source != nullptr
                          ? static_cast<curl_off_t>(r.content_length)
                          : static_cast<curl_off_t>(r.body.size());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &OnUpload);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, &OnSeek);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &t);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size < 0 ? -1 : size);
  }

  auto started = std::chrono::steady_clock::now();
  CURLcode code = curl_easy_perform(c);
  if (spdlog::should_log(spdlog::level::debug)) {
    // `where` carries no query string, user info or header values.
    long http = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
    curl_off_t up = 0, down = 0;
    curl_easy_getinfo(c, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &down);
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - started)
                    .count();
    spdlog::debug("http: {} -> {} ({} bytes out, {} in, {:.0f} ms){}", where,
                  code == CURLE_OK ? std::to_string(http)
                                   : std::string(curl_easy_strerror(code)),
                  static_cast<int64_t>(up), static_cast<int64_t>(down), ms,
                  options_.server_name.empty()
                      ? ""
                      : " via name " + options_.server_name);
  }
  long connects = 0;
  if (curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK)
    connections_opened_ += connects;
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);  // errbuf goes away
  if (!t.error.ok()) return t.error;
  if (code != CURLE_OK) {
    std::string text =
        errbuf[0] != '\0' ? Trim(errbuf) : curl_easy_strerror(code);
    // A certificate that does not verify stays so on a retry: a setting
    // (the CA, the server name) is wrong, not the network.
    if (code == CURLE_PEER_FAILED_VERIFICATION ||
        code == CURLE_SSL_CACERT_BADFILE || code == CURLE_SSL_CERTPROBLEM ||
        code == CURLE_SSL_CRL_BADFILE || code == CURLE_SSL_ISSUER_ERROR) {
      return FailedPrecondition(where + ": TLS: " + text);
    }
    curl_off_t pretransfer = 0;
    curl_easy_getinfo(c, CURLINFO_PRETRANSFER_TIME_T, &pretransfer);
    const bool unsent = code == CURLE_COULDNT_CONNECT ||
                        code == CURLE_COULDNT_RESOLVE_HOST ||
                        code == CURLE_COULDNT_RESOLVE_PROXY ||
                        (code == CURLE_OPERATION_TIMEDOUT && pretransfer == 0);
    return Unavailable(where + ": " + text)
        .WithDetail(std::make_shared<TransportFailure>(unsent));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  resp.status = static_cast<int>(status);
  return resp;
}

}  // namespace vk::httpc
