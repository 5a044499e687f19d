// A small HTTP/1.1 client (on libcurl) for talking to Vault-style APIs and
// to minivault's peers.
//
// Contracts:
//  - Any method token is sent as given (Vault's LIST included). Redirects
//    are never followed: a 307 comes back to the caller with its Location
//    header, because where a snapshot stream may be sent is the caller's
//    decision.
//  - Only transport failures are errors (kUnavailable, naming the method
//    and scheme://host:port/path; kFailedPrecondition when the server's
//    certificate does not verify or a TLS file is unusable, since a retry
//    cannot help); every HTTP status, 5xx included, is a Response.
//    Messages never contain header values (they carry tokens), query
//    strings or URL user info.
//  - A Client keeps its connections open between calls (keep-alive), so a
//    sequence of requests to one server costs one TCP/TLS handshake. A
//    Client is used by one thread at a time; make one per thread.
#ifndef KIT_HTTPC_CLIENT_H_
#define KIT_HTTPC_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kit/base/byte_stream.h"
#include "kit/base/result.h"
#include "kit/base/status.h"

namespace vk::httpc {

struct Options {
  // CAs trusted for https: a PEM file and/or PEM text (both may be set);
  // neither means the system store.
  std::string ca_file;
  std::string ca_pem;
  // Client certificate and key for mutual TLS, as files or as PEM text
  // (text is handed to OpenSSL from memory, never written to disk).
  std::string client_cert_file;
  std::string client_key_file;
  std::string client_cert_pem;
  std::string client_key_pem;
  // The name the server's certificate must carry (and SNI) when it differs
  // from the URL's host, e.g. connecting to 127.0.0.1 or a pod IP. The
  // request still goes to the URL's host and port.
  std::string server_name;
  bool insecure_skip_verify = false;
  long connect_timeout_ms = 5000;
  // Bound on a whole request, body transfer included; 0 means none (a
  // snapshot stream may take as long as it takes). Request::timeout_ms
  // overrides it per request.
  long timeout_ms = 0;
  // Stall detection: abort (kUnavailable, "stalled: ...") when fewer than
  // stall_bytes_per_s * stall_timeout_s bytes moved (either way) in the
  // last `stall_timeout_s` seconds, checked at least once a second; 0
  // disables.
  long stall_timeout_s = 0;
  long stall_bytes_per_s = 1;
};

struct Response {
  int status = 0;
  // In arrival order, names lower-cased, values without surrounding
  // whitespace. Only the final response's headers (not a 100 Continue's).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First value of header `name`, compared case-insensitively.
  std::optional<std::string> Header(std::string_view name) const;
};

struct Request {
  std::string method = "GET";
  std::string url;  // full URL, http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  // Sent when body_source is null, if the method is not GET/HEAD or the
  // body is non-empty (a POST with an empty body sends Content-Length: 0).
  std::string body;
  // A streamed upload, owned by the caller. Sent with chunked transfer
  // encoding unless content_length >= 0, in which case the source must
  // deliver exactly that many bytes. An error from it aborts the request
  // and is returned by Do.
  ByteSource* body_source = nullptr;
  int64_t content_length = -1;
  // Receives the body of a 2xx response as it arrives, owned by the
  // caller (Do does not Close it). An error from it aborts the transfer
  // and is returned by Do. Bodies of other statuses (error details, a
  // 307's text) go to Response::body instead, so a file sink never ends
  // up holding an error page. When null, every body is collected into
  // Response::body.
  ByteSink* response_sink = nullptr;
  // Called once with the status and headers of a 2xx response before the
  // first byte of its body reaches response_sink (not at all for an empty
  // body). An error from it aborts the transfer and is returned by Do: the
  // caller can refuse a body (a wrong Content-Range, say) before the sink
  // sees any of it.
  std::function<Status(const Response&)> on_headers;
  // Whole-request bound for this request; -1 means Options::timeout_ms.
  long timeout_ms = -1;
  // Cap on what is collected into Response::body; a longer body fails the
  // request with kFailedPrecondition.
  size_t max_body = 64 << 20;
};

// The detail of Do's kUnavailable for a transport failure: whether the
// request certainly never left (no connection, name not resolved, connect
// timed out), so that sending it again cannot apply it twice.
struct TransportFailure : StatusDetail {
  explicit TransportFailure(bool u) : unsent(u) {}
  bool unsent;
};

class Client {
 public:
  explicit Client(Options o = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Performs one request, reusing an open connection to the same host
  // when there is one.
  Result<Response> Do(const Request& r);

  // TCP connections this Client has opened so far (diagnostics and tests:
  // with keep-alive working it stays at one per server).
  int64_t connections_opened() const { return connections_opened_; }

 private:
  Options options_;
  void* curl_;  // CURL*; kept opaque so users need not see curl.h
  int64_t connections_opened_ = 0;
};

}  // namespace vk::httpc

#endif  // KIT_HTTPC_CLIENT_H_
