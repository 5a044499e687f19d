// S3Client's retries against a scripted HTTP server, on a fake clock: which
// answers are retried, how often, and how long each wait is.
#include "vaultkeep/s3/s3_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "kit/httpd/server.h"
#include "kit/testing/fake_clock.h"

namespace vk::s3 {
namespace {

using std::chrono::milliseconds;

class S3ClientTest : public ::testing::Test {
 protected:
  // Answers the first `failures` requests with `status`, then 200 "ok".
  void Serve(int failures, int status, std::string body = "") {
    auto s = httpd::Server::Start(
        {}, [=, this](httpd::Request&, httpd::ResponseWriter& w) {
          if (++requests_ <= failures) return w.Send(status, body);
          w.Send(200, "ok");
        });
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(*s);
  }

  std::unique_ptr<S3Client> Client(int attempts) {
    S3Options o;
    auto loc =
        ParseLocation("s3:http://127.0.0.1:" + std::to_string(server_->port()) +
                      "/bucket/repo");
    EXPECT_TRUE(loc.ok());
    o.location = *loc;
    o.credentials = {"AKIDEXAMPLE", "secret"};
    o.retry = {.attempts = attempts,
               .initial = milliseconds(200),
               .max = milliseconds(500),
               .jitter = [] { return 0.0; }};  // the bottom of each range
    o.clock = &clock_;
    return std::make_unique<S3Client>(o);
  }

  vk::testing::FakeClock clock_;
  std::atomic<int> requests_{0};
  std::unique_ptr<httpd::Server> server_;
};

TEST_F(S3ClientTest, ServerErrorsAreRetriedWithThePolicysWaits) {
  Serve(3, 503);
  auto c = Client(8);
  S3Request r{.method = "GET", .key = "config"};
  auto resp = c->Do(r);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(r.attempts, 4);
  // Bases 200, 400, 500 (capped); jitter pinned to their lower halves.
  EXPECT_EQ(clock_.sleeps(),
            (std::vector<vk::Clock::Duration>{
                milliseconds(100), milliseconds(200), milliseconds(250)}));
}

TEST_F(S3ClientTest, AttemptsAreBoundedByThePolicy) {
  Serve(100, 500);
  auto c = Client(3);
  S3Request r{.method = "GET", .key = "config"};
  auto resp = c->Do(r);
  ASSERT_TRUE(resp.ok());  // the last answer comes back to the caller
  EXPECT_EQ(resp->status, 500);
  EXPECT_EQ(requests_, 3);
  EXPECT_EQ(clock_.sleeps().size(), 2u);
}

TEST_F(S3ClientTest, ClientErrorsAreNotRetried) {
  Serve(100, 403, "<Error><Code>AccessDenied</Code></Error>");
  auto c = Client(8);
  S3Request r{.method = "GET", .key = "config"};
  auto resp = c->Do(r);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->status, 403);
  EXPECT_EQ(requests_, 1);
  EXPECT_TRUE(clock_.sleeps().empty());
}

TEST_F(S3ClientTest, RequestsAreSignedAtTheClocksTime) {
  std::string date;
  auto s = httpd::Server::Start(
      {}, [&](httpd::Request& req, httpd::ResponseWriter& w) {
        date = req.Header("x-amz-date").value_or("");
        w.Send(200, "ok");
      });
  ASSERT_TRUE(s.ok());
  server_ = std::move(*s);
  auto c = Client(1);
  S3Request r{.method = "GET", .key = "config"};
  ASSERT_TRUE(c->Do(r).ok());
  EXPECT_EQ(date, "20231114T221320Z");  // FakeClock's wall: 1700000000
}

}  // namespace
}  // namespace vk::s3
