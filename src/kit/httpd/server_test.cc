// Answers over real connections: Content-Length responses, keep-alive,
// concurrent handlers, handler exceptions, HEAD.
#include "kit/httpd/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kit/httpd/test_client.h"

namespace vk::httpd {
namespace {

using namespace std::chrono_literals;

TEST_F(ServerTest, SmallJsonWithContentLength) {
  StartServer([](Request& req, ResponseWriter& w) {
    w.SetHeader("Cache-Control", "no-store");
    w.Send(200, R"({"method":")" + req.method + R"(","from":")" +
                    req.remote_address + R"("})");
  });
  Reply r = Perform(port(), {.path = "/v1/sys/health"});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"method":"GET","from":"127.0.0.1"})");
  EXPECT_EQ(r.Header("content-length"), std::to_string(r.body.size()));
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_EQ(r.Header("transfer-encoding"), std::nullopt);
}

TEST_F(ServerTest, KeepAliveConnectionServesSeveralRequests) {
  std::atomic<int> calls{0};
  StartServer([&](Request& req, ResponseWriter& w) {
    std::string body = ReadAllBounded(req.body(), 1 << 20).value();
    w.Send(200, std::to_string(++calls) + ":" + body, "text/plain");
  });
  CURL* curl = curl_easy_init();
  for (int i = 1; i <= 3; ++i) {
    Call call;
    if (i == 2) {
      call.method = "PUT";
      call.body = "payload";
    }
    Reply r = Perform(curl, port(), call);
    ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
    EXPECT_EQ(r.body, std::to_string(i) + ":" + (i == 2 ? "payload" : ""));
    long new_connections = -1;
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &new_connections);
    EXPECT_EQ(new_connections, i == 1 ? 1 : 0) << "request " << i;
  }
  curl_easy_cleanup(curl);
}

TEST_F(ServerTest, HandlersRunConcurrently) {
  constexpr int kClients = 6;
  std::latch all_in(kClients);
  StartServer([&](Request&, ResponseWriter& w) {
    all_in.count_down();
    // Returns only once every request is inside a handler at once.
    bool together = all_in.try_wait();
    for (int i = 0; i < 500 && !together; ++i) {
      std::this_thread::sleep_for(10ms);
      together = all_in.try_wait();
    }
    w.Send(together ? 200 : 504, "{}");
  });
  std::vector<std::future<Reply>> replies;
  for (int i = 0; i < kClients; ++i) {
    replies.push_back(
        std::async(std::launch::async, [&] { return Perform(port(), {}); }));
  }
  for (auto& f : replies) {
    Reply r = f.get();
    EXPECT_EQ(r.code, CURLE_OK);
    EXPECT_EQ(r.status, 200);
  }
}

TEST_F(ServerTest, HandlerExceptionBecomes500) {
  StartServer(WithPing([](Request& req, ResponseWriter& w) {
    if (req.path == "/midstream") {
      ASSERT_TRUE(w.Write(AsBytes("partial")).ok());
    }
    w.SetHeader("X-Leak", "no");
    throw std::runtime_error("boom with a secret");
  }));
  Reply r = Perform(port(), {.path = "/v1/sys/seal-status"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"errors":["internal server error"]})");
  EXPECT_EQ(r.Header("x-leak"), std::nullopt);
  // After a streamed start, the only honest signal is a truncated body.
  Reply mid = Perform(port(), {.path = "/midstream"});
  EXPECT_NE(mid.code, CURLE_OK);
  EXPECT_EQ(mid.status, 200);
  ExpectAlive();
}

TEST_F(ServerTest, HeadSendsHeadersOnly) {
  std::vector<std::string> methods;
  std::mutex mu;
  StartServer([&](Request& req, ResponseWriter& w) {
    {
      std::lock_guard lock(mu);
      methods.push_back(req.method);
    }
    if (req.path == "/stream") {
      std::vector<uint8_t> buf(kMiB, 'h');
      for (int i = 0; i < 8; ++i) {
        if (!w.Write(buf).ok()) return;
      }
      return;
    }
    w.Send(200, "hello", "text/plain");
  });
  Reply r = Perform(port(), {.method = "HEAD", .path = "/v1/sys/health"});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header("content-length"), "5");
  Reply s = Perform(port(), {.method = "HEAD", .path = "/stream"});
  ASSERT_EQ(s.code, CURLE_OK) << curl_easy_strerror(s.code);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.body, "");
  std::lock_guard lock(mu);
  EXPECT_EQ(methods, (std::vector<std::string>{"HEAD", "HEAD"}));
}

}  // namespace
}  // namespace vk::httpd
