// A small HTTP/1.1 server (on libmicrohttpd) whose handlers may block.
//
// Each request runs its Handler on a thread of its own. The handler pulls
// the request body through Request::body() (it blocks until the client has
// sent more; nothing buffers the whole body) and either answers in one
// piece with ResponseWriter::Send (Content-Length) or streams with
// ResponseWriter::Write (chunked transfer encoding). Any method token is
// accepted and passed through, so Vault's LIST reaches the handler.
//
// Contract for handlers:
//  - Read the body before streaming a response larger than a few hundred
//    KiB: HTTP/1.1 here is not full duplex, and the response only starts
//    flowing once the upload is complete.
//  - A handler that answers before reading the body at all makes the
//    server drop the body and close the connection after the response; one
//    that stops reading halfway makes the server drain the rest (up to
//    64 MiB; past that the connection is closed without a response).
//  - An exception from a handler becomes a 500 (or, mid-stream, an aborted
//    connection); the process survives.
//  - Write fails once the client has gone away or the server is stopping;
//    the handler should stop then. Body reads fail the same way.
//  - HEAD reaches the handler as "HEAD"; the server never sends a body
//    (Send's Content-Length is still reported; Write discards).
#ifndef KIT_HTTPD_SERVER_H_
#define KIT_HTTPD_SERVER_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kit/base/byte_stream.h"
#include "kit/base/result.h"
#include "kit/base/status.h"

namespace vk::httpd {

struct Request {
  std::string method;  // as sent, e.g. "GET", "LIST"
  std::string path;    // URL path, percent-decoded, without the query
  // Query parameters, percent-decoded ('+' is a space), in order; pairs
  // with an invalid escape are dropped (as Go's URL.Query does).
  std::vector<std::pair<std::string, std::string>> query;
  // Request headers in arrival order, names as sent.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string remote_address;  // client IP, e.g. "127.0.0.1" or "::1"
  // The request body; null means an empty body. Owned by the server (or
  // by a test that builds a Request by hand).
  ByteSource* body_source = nullptr;

  // First value of query parameter `name`.
  std::optional<std::string> Query(std::string_view name) const;
  // First value of header `name`, compared case-insensitively.
  std::optional<std::string> Header(std::string_view name) const;
  // The streamed body; 0 from Read means its end.
  ByteSource& body();

 private:
  MemorySource empty_body_{std::string_view()};
};

// Where a handler puts its answer. Status and headers are committed by the
// first Write or by Send; later SetStatus/SetHeader calls are ignored.
// If the handler returns without committing, the response is the status
// set so far (default 200) with an empty body.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  virtual void SetStatus(int status) = 0;
  // Replaces an earlier header of the same name (case-insensitive). The
  // server owns the framing headers (Content-Length, Transfer-Encoding).
  virtual void SetHeader(std::string name, std::string value) = 0;
  // Streams `data` as part of a chunked body; the first call commits.
  // Fails when the client is gone, the server stops, or after Send.
  virtual Status Write(ByteSpan data) = 0;
  virtual bool committed() const = 0;

  // A complete response with Content-Length. Ignored after a commit.
  void Send(int status, std::string body,
            std::string content_type = "application/json") {
    DoSend(status, std::move(body), std::move(content_type));
  }

 protected:
  virtual void DoSend(int status, std::string body,
                      std::string content_type) = 0;
};

// A ResponseWriter that keeps everything in memory, for testing handlers
// without a server.
class MemoryResponseWriter : public ResponseWriter {
 public:
  void SetStatus(int status) override;
  void SetHeader(std::string name, std::string value) override;
  Status Write(ByteSpan data) override;
  bool committed() const override { return committed_; }

  int status() const { return status_; }
  std::optional<std::string> header(std::string_view name) const;
  const std::string& body() const { return body_; }
  bool streamed() const { return streamed_; }  // committed by Write

 protected:
  void DoSend(int status, std::string body, std::string content_type) override;

 private:
  int status_ = 200;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  bool committed_ = false;
  bool streamed_ = false;
};

// A ByteSink over a response: each Write streams a chunk.
class ResponseSink : public ByteSink {
 public:
  explicit ResponseSink(ResponseWriter& w) : w_(w) {}
  Status Write(ByteSpan data) override { return w_.Write(data); }

 private:
  ResponseWriter& w_;
};

using Handler = std::function<void(Request&, ResponseWriter&)>;

struct Options {
  // A numeric IPv4/IPv6 address or a host name; empty means all interfaces.
  std::string address = "127.0.0.1";
  int port = 0;  // 0: the kernel picks a free port (see Server::port())
  // PEM certificate (chain) and private key; both empty means plain HTTP.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  size_t max_connections = 256;
  // A connection idle (nothing sent or received) this long is closed.
  std::chrono::seconds connection_timeout{300};
  // How long Stop lets in-flight requests finish before it cuts them off.
  std::chrono::milliseconds stop_grace{2000};
};

class Server {
 public:
  // Binds and starts serving. Fails with kUnavailable if the address is in
  // use, kInvalidArgument for a bad address or TLS certificate/key.
  static Result<std::unique_ptr<Server>> Start(const Options& options,
                                               Handler handler);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const { return port_; }
  bool tls() const;

  // Stops accepting connections, lets in-flight requests finish for up to
  // Options::stop_grace, then fails their body reads and writes, closes
  // every connection and waits for all handlers to return. A handler that
  // blocks on something other than its request or response keeps Stop
  // waiting. Idempotent; must not be called from a handler.
  void Stop();

  struct Impl;  // server.cc

 private:
  explicit Server(std::unique_ptr<Impl> impl, int port);

  std::unique_ptr<Impl> impl_;
  int port_;
};

}  // namespace vk::httpd

#endif  // KIT_HTTPD_SERVER_H_
