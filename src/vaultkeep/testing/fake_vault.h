// A scripted Vault node for tests: a real HTTP server on 127.0.0.1 whose
// answers per API path are set by the test, and which counts calls and
// remembers what each path was sent. Test-only (links vk_httpd).
#ifndef VAULTKEEP_TESTING_FAKE_VAULT_H_
#define VAULTKEEP_TESTING_FAKE_VAULT_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "kit/base/check.h"
#include "kit/httpd/server.h"

namespace vk::vault::testing {

class FakeVault {
 public:
  using Route = std::function<void(httpd::Request&, httpd::ResponseWriter&)>;

  // What the last request to a path carried.
  struct Seen {
    std::string method;
    std::string token;  // X-Vault-Token, "" when absent
    std::string body;   // the request body, read by the route or by us
    std::map<std::string, std::string> query;
  };

  FakeVault() {
    auto s = httpd::Server::Start(
        httpd::Options{}, [this](httpd::Request& req,
                                 httpd::ResponseWriter& w) { Serve(req, w); });
    VK_CHECK(s.ok());
    server_ = std::move(s).value();
  }
  ~FakeVault() { Stop(); }

  // Stops the server (a route blocked on something else must return first).
  void Stop() { server_->Stop(); }

  std::string addr() const {
    return "http://127.0.0.1:" + std::to_string(server_->port());
  }

  // `path` is relative to /v1/ and without a query, e.g. "sys/leader".
  void On(const std::string& path, Route route) {
    std::lock_guard l(mu_);
    routes_[path] = std::move(route);
  }
  // Answers `path` with a fixed status and JSON body.
  void Json(const std::string& path, int status, std::string body) {
    On(path, [status, body](httpd::Request&, httpd::ResponseWriter& w) {
      w.Send(status, body);
    });
  }

  int calls(const std::string& path) const {
    std::lock_guard l(mu_);
    auto it = calls_.find(path);
    return it == calls_.end() ? 0 : it->second;
  }
  Seen seen(const std::string& path) const {
    std::lock_guard l(mu_);
    auto it = seen_.find(path);
    return it == seen_.end() ? Seen{} : it->second;
  }
  // For routes that read the body themselves: stores it as seen.
  void RecordBody(const std::string& path, std::string body) {
    std::lock_guard l(mu_);
    seen_[path].body = std::move(body);
  }

  static std::string ReadBody(httpd::Request& req) {
    auto body = ReadAllBounded(req.body(), size_t{1} << 30);
    return body.ok() ? *body : std::string();
  }

 private:
  void Serve(httpd::Request& req, httpd::ResponseWriter& w) {
    std::string path = req.path.starts_with("/v1/") ? req.path.substr(4) : "";
    Route route;
    {
      std::lock_guard l(mu_);
      ++calls_[path];
      Seen& s = seen_[path];
      s.method = req.method;
      s.token = req.Header("X-Vault-Token").value_or("");
      s.body.clear();
      s.query.clear();
      for (const auto& [k, v] : req.query) s.query[k] = v;
      if (auto it = routes_.find(path); it != routes_.end()) route = it->second;
    }
    if (!route) return w.Send(404, "{\"errors\":[]}");
    // Small bodies (JSON) are read here; a route that streams the body
    // (a restore) reads it itself.
    auto length = req.Header("Content-Length");
    if (length && std::stoll(*length) < (1 << 20)) {
      std::string body = ReadBody(req);
      RecordBody(path, body);
    }
    route(req, w);
  }

  mutable std::mutex mu_;
  std::map<std::string, Route> routes_;
  std::map<std::string, int> calls_;
  std::map<std::string, Seen> seen_;
  std::unique_ptr<httpd::Server> server_;
};

// An address on which nothing listens: a port bound, then released.
inline std::string UnusedAddr() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  VK_CHECK(fd >= 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  VK_CHECK(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) == 0);
  socklen_t len = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return "http://127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
}

}  // namespace vk::vault::testing

#endif  // VAULTKEEP_TESTING_FAKE_VAULT_H_
