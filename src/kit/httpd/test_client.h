// Helpers for the httpd server tests: a libcurl client, raw sockets for
// clients that misbehave on purpose (stall mid-upload, never read the
// response), a self-signed certificate, and the ServerTest fixture that runs
// a real server on 127.0.0.1 (port 0).
#ifndef KIT_HTTPD_TEST_CLIENT_H_
#define KIT_HTTPD_TEST_CLIENT_H_

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kit/httpd/server.h"

namespace vk::httpd {

inline constexpr uint64_t kMiB = 1 << 20;
inline constexpr uint64_t kBig = 64 * kMiB;

// Deterministic pseudo-random bytes (splitmix64), so both ends can agree on
// a 64 MiB stream without holding it.
class PatternStream {
 public:
  void Fill(uint8_t* dst, size_t n) {
    for (size_t i = 0; i < n; ++i) {
      if (avail_ == 0) {
        state_ += 0x9e3779b97f4a7c15ULL;
        uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        word_ = z ^ (z >> 31);
        avail_ = 8;
      }
      dst[i] = static_cast<uint8_t>(word_);
      word_ >>= 8;
      --avail_;
    }
  }

 private:
  uint64_t state_ = 42;
  uint64_t word_ = 0;
  int avail_ = 0;
};

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // lowercased
  std::optional<std::string> Header(const std::string& lower_name) const {
    for (const auto& [k, v] : headers) {
      if (k == lower_name) return v;
    }
    return std::nullopt;
  }
};

struct Call {
  std::string method = "GET";
  std::string path = "/";
  std::vector<std::string> headers;  // "Name: value"
  std::optional<std::string> body;   // small body with Content-Length
  // A streamed upload: fills up to n bytes, returns the count (0 = end).
  std::function<size_t(uint8_t*, size_t)> upload;
  curl_off_t upload_size = -1;  // with `upload`; -1 sends it chunked
  // Receives the response body instead of Reply::body; false aborts.
  std::function<bool(std::string_view)> on_data;
  std::string ca_file;  // non-empty: https, trusting this certificate
  long timeout_ms = 60000;
};

// Performs `call` on `curl`, which keeps its connection for reuse.
Reply Perform(CURL* curl, int port, const Call& call);
// Performs `call` on a new connection.
Reply Perform(int port, const Call& call);

// A raw connection to 127.0.0.1:port; -1 if it cannot connect.
int ConnectRaw(int port);
// Sends all of `s` (a test failure if the peer is gone).
void SendRaw(int fd, std::string_view s);

struct TlsPair {
  std::string cert_pem;
  std::string key_pem;
};

// A new self-signed P-256 certificate for 127.0.0.1 and its key.
TlsPair MakeSelfSigned();

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }

  Server& StartServer(Handler handler, Options options = {}) {
    Result<std::unique_ptr<Server>> s =
        Server::Start(options, std::move(handler));
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    if (!s.ok()) std::abort();
    server_ = std::move(s).value();
    EXPECT_GT(server_->port(), 0);
    return *server_;
  }
  int port() const { return server_->port(); }

  // The server still answers a plain request.
  void ExpectAlive() {
    Reply r = Perform(port(), {.path = "/ping"});
    EXPECT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
    EXPECT_EQ(r.status, 200);
  }

  std::unique_ptr<Server> server_;
};

// Answers /ping with 200 "pong"; everything else is up to `rest`.
Handler WithPing(Handler rest);

}  // namespace vk::httpd

#endif  // KIT_HTTPD_TEST_CLIENT_H_
