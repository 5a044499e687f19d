// Starting (TLS, bad certificates, ports in use, bad addresses) and
// stopping (grace period, then stalled requests cut off) a server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "kit/crypto/sha256.h"
#include "kit/httpd/server.h"
#include "kit/httpd/test_client.h"

namespace vk::httpd {
namespace {

using namespace std::chrono_literals;

TEST_F(ServerTest, TlsRoundTrip) {
  TlsPair tls = MakeSelfSigned();
  std::string ca_file = ::testing::TempDir() + "/httpd_test_ca.pem";
  std::ofstream(ca_file) << tls.cert_pem;
  Options options;
  options.tls_cert_pem = tls.cert_pem;
  options.tls_key_pem = tls.key_pem;
  Server& server = StartServer(
      [](Request& req, ResponseWriter& w) {
        Sha256 hash;
        Result<uint64_t> n = [&]() -> Result<uint64_t> {
          std::vector<uint8_t> buf(65536);
          uint64_t total = 0;
          for (;;) {
            VK_ASSIGN_OR_RETURN(size_t k, req.body().Read(buf));
            if (k == 0) return total;
            hash.Update(ByteSpan(buf.data(), k));
            total += k;
          }
        }();
        w.Send(200, std::to_string(n.ok() ? *n : 0) + " " +
                        HexEncode(hash.Finish()));
      },
      options);
  EXPECT_TRUE(server.tls());
  std::string payload(3 * kMiB + 17, 'q');
  Reply r = Perform(port(), {.method = "POST",
                             .path = "/v1/sys/storage/raft/snapshot",
                             .body = payload,
                             .ca_file = ca_file});
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::to_string(payload.size()) + " " +
                        HexEncode(Sha256::Of(AsBytes(payload))));
  // Plain HTTP to the TLS port gets no HTTP answer.
  Reply plain = Perform(port(), {.timeout_ms = 5000});
  EXPECT_NE(plain.status, 200);
  std::remove(ca_file.c_str());
}

TEST_F(ServerTest, BadTlsMaterialFailsToStart) {
  TlsPair good = MakeSelfSigned();
  TlsPair other = MakeSelfSigned();
  auto noop = [](Request&, ResponseWriter& w) { w.Send(200, "{}"); };
  Options only_cert{.tls_cert_pem = good.cert_pem};
  Result<std::unique_ptr<Server>> a = Server::Start(only_cert, noop);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);

  Options garbage{.tls_cert_pem = "not a certificate",
                  .tls_key_pem = good.key_pem};
  Result<std::unique_ptr<Server>> b = Server::Start(garbage, noop);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(b.status().message().find("TLS certificate"), std::string::npos)
      << b.status().ToString();
  EXPECT_EQ(b.status().message().find("PRIVATE KEY"), std::string::npos);

  Options mismatch{.tls_cert_pem = good.cert_pem, .tls_key_pem = other.key_pem};
  Result<std::unique_ptr<Server>> c = Server::Start(mismatch, noop);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ServerTest, SecondServerOnSamePortFails) {
  StartServer([](Request&, ResponseWriter& w) { w.Send(200, "{}"); });
  Options same{.port = port()};
  Result<std::unique_ptr<Server>> second =
      Server::Start(same, [](Request&, ResponseWriter& w) { w.Send(200, ""); });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message(),
            "cannot listen on 127.0.0.1:" + std::to_string(port()) +
                ": address already in use");
  ExpectAlive();
  // Once the first is gone the port can be taken again.
  int p = port();
  server_.reset();
  Result<std::unique_ptr<Server>> third =
      Server::Start(same, [](Request&, ResponseWriter& w) { w.Send(200, ""); });
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ((*third)->port(), p);
}

TEST_F(ServerTest, BadAddressFails) {
  Options options{.address = "203.0.113.300"};
  Result<std::unique_ptr<Server>> s =
      Server::Start(options, [](Request&, ResponseWriter&) {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  // A documentation address (RFC 5737) that is not on this host.
  Options foreign{.address = "192.0.2.1"};
  Result<std::unique_ptr<Server>> f =
      Server::Start(foreign, [](Request&, ResponseWriter&) {});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument)
      << f.status().ToString();
}

TEST_F(ServerTest, StopCutsOffStalledRequests) {
  std::promise<Status> upload_outcome, download_outcome;
  std::atomic<bool> upload_started{false};
  std::atomic<uint64_t> downloaded{0};
  Options options;
  options.stop_grace = 300ms;
  Server& server = StartServer(
      [&](Request& req, ResponseWriter& w) {
        if (req.path == "/stalled-upload") {
          uint8_t buf[4096];
          for (;;) {
            Result<size_t> n = req.body().Read(buf);
            if (!n.ok()) return upload_outcome.set_value(n.status());
            if (*n == 0) return upload_outcome.set_value(Status::Ok());
            upload_started = true;
          }
        }
        std::vector<uint8_t> buf(64 * 1024, 'd');
        for (;;) {
          Status s = w.Write(buf);
          if (!s.ok()) return download_outcome.set_value(s);
          downloaded += buf.size();
        }
      },
      options);
  // Sends part of a body, then nothing.
  int up = ConnectRaw(port());
  ASSERT_GE(up, 0);
  SendRaw(up,
          "POST /stalled-upload HTTP/1.1\r\nHost: x\r\n"
          "Content-Length: 1000000\r\n\r\n0123456789");
  // Asks for a download, then never reads it.
  int down = ConnectRaw(port());
  ASSERT_GE(down, 0);
  SendRaw(down, "GET /stalled-download HTTP/1.1\r\nHost: x\r\n\r\n");
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((!upload_started || downloaded < 256 * 1024) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(upload_started.load());
  ASSERT_GE(downloaded.load(), 256 * 1024u);

  auto start = std::chrono::steady_clock::now();
  server.Stop();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 5s);
  EXPECT_GE(took, 250ms);  // the grace period was granted first
  auto up_result = upload_outcome.get_future();
  auto down_result = download_outcome.get_future();
  // Stop waited for both handlers, so both outcomes are in.
  ASSERT_EQ(up_result.wait_for(0s), std::future_status::ready);
  ASSERT_EQ(down_result.wait_for(0s), std::future_status::ready);
  EXPECT_FALSE(up_result.get().ok());
  EXPECT_FALSE(down_result.get().ok());
  close(up);
  close(down);
  server.Stop();  // idempotent
}

TEST_F(ServerTest, StopLetsQuickRequestsFinish) {
  std::atomic<bool> entered{false};
  Server& server = StartServer([&](Request&, ResponseWriter& w) {
    entered = true;
    std::this_thread::sleep_for(300ms);
    w.Send(200, "done", "text/plain");
  });
  auto reply = std::async(std::launch::async,
                          [&] { return Perform(port(), {.path = "/slow"}); });
  while (!entered) std::this_thread::sleep_for(5ms);
  server.Stop();
  Reply r = reply.get();
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
  // Stopped: nothing listens any more.
  Reply after = Perform(server.port(), {.timeout_ms = 2000});
  EXPECT_EQ(after.code, CURLE_COULDNT_CONNECT);
}

}  // namespace
}  // namespace vk::httpd
