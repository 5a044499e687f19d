// Streamed bodies both ways (64 MiB, never held whole), answers that leave
// the upload unread or half read, and a client that hangs up mid-download.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "kit/crypto/sha256.h"
#include "kit/httpd/server.h"
#include "kit/httpd/test_client.h"

namespace vk::httpd {
namespace {

using namespace std::chrono_literals;

TEST_F(ServerTest, LargeUploadIsStreamedToTheHandler) {
  std::atomic<uint64_t> client_sent{0};
  std::atomic<uint64_t> sent_at_first_mib{0};
  StartServer([&](Request& req, ResponseWriter& w) {
    Sha256 hash;
    std::vector<uint8_t> buf(100'000);
    uint64_t total = 0;
    for (;;) {
      Result<size_t> n = req.body().Read(buf);
      if (!n.ok()) return w.Send(400, n.status().ToString(), "text/plain");
      if (*n == 0) break;
      if (total < kMiB && total + *n >= kMiB)
        sent_at_first_mib = client_sent.load();
      total += *n;
      hash.Update(ByteSpan(buf.data(), *n));
    }
    w.Send(200, std::to_string(total) + " " + HexEncode(hash.Finish()),
           "text/plain");
  });
  for (bool chunked : {false, true}) {
    client_sent = 0;
    PatternStream pattern;
    Sha256 expected;
    Call call{.method = "POST", .path = "/sys/storage/raft/snapshot"};
    call.upload_size = chunked ? -1 : static_cast<curl_off_t>(kBig);
    call.upload = [&](uint8_t* dst, size_t n) {
      n = std::min<uint64_t>(n, kBig - client_sent);
      pattern.Fill(dst, n);
      expected.Update(ByteSpan(dst, n));
      client_sent += n;
      return n;
    };
    Reply r = Perform(port(), call);
    ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body,
              std::to_string(kBig) + " " + HexEncode(expected.Finish()));
    // The handler saw its first MiB long before the client had sent it
    // all: nothing held the whole body.
    EXPECT_LT(sent_at_first_mib.load(), kBig / 2) << "chunked=" << chunked;
  }
}

TEST_F(ServerTest, LargeResponseIsStreamedChunked) {
  std::atomic<uint64_t> handler_wrote{0};
  std::string handler_hash;
  StartServer([&](Request&, ResponseWriter& w) {
    w.SetHeader("Content-Type", "application/octet-stream");
    PatternStream pattern;
    Sha256 hash;
    std::vector<uint8_t> buf(64 * 1024);
    for (uint64_t sent = 0; sent < kBig; sent += buf.size()) {
      pattern.Fill(buf.data(), buf.size());
      hash.Update(buf);
      if (!w.Write(buf).ok()) return;
      handler_wrote += buf.size();
    }
    handler_hash = HexEncode(hash.Finish());
  });
  Sha256 got;
  uint64_t received = 0;
  uint64_t wrote_at_first_byte = 0;
  Call call{.path = "/sys/storage/raft/snapshot"};
  call.on_data = [&](std::string_view chunk) {
    if (received == 0) wrote_at_first_byte = handler_wrote.load();
    received += chunk.size();
    got.Update(AsBytes(chunk));
    return true;
  };
  Reply r = Perform(port(), call);
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(received, kBig);
  EXPECT_EQ(HexEncode(got.Finish()), handler_hash);
  EXPECT_EQ(r.Header("transfer-encoding"), "chunked");
  EXPECT_EQ(r.Header("content-length"), std::nullopt);
  EXPECT_EQ(r.Header("content-type"), "application/octet-stream");
  EXPECT_LT(wrote_at_first_byte, kBig / 2);  // bytes flowed while writing
}

TEST_F(ServerTest, AnswerWithoutReadingBigUpload) {
  std::atomic<int> denied{0};
  StartServer(WithPing([&](Request&, ResponseWriter& w) {
    ++denied;
    w.Send(403, R"({"errors":["permission denied"]})");
  }));
  for (bool expect_continue : {true, false}) {
    uint64_t sent = 0;
    Call call{.method = "POST", .path = "/sys/storage/raft/snapshot-force"};
    if (!expect_continue) call.headers = {"Expect:"};  // body follows at once
    call.upload_size = static_cast<curl_off_t>(kBig);
    call.upload = [&](uint8_t* dst, size_t n) {
      n = std::min<uint64_t>(n, kBig - sent);
      std::memset(dst, 'x', n);
      sent += n;
      return n;
    };
    Reply r = Perform(port(), call);
    if (expect_continue) {
      ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
      EXPECT_EQ(r.status, 403);
      EXPECT_EQ(r.body, R"({"errors":["permission denied"]})");
      EXPECT_LT(sent, kBig);  // the body was never asked for
    } else {
      // The client may see the 403 or, having the connection closed under
      // its upload, a send error; either way the server goes on.
      EXPECT_TRUE(r.status == 403 || r.code != CURLE_OK)
          << r.status << " " << curl_easy_strerror(r.code);
    }
    ExpectAlive();
  }
  EXPECT_EQ(denied.load(), 2);
}

TEST_F(ServerTest, AnswerAfterReadingPartOfUploadDrainsTheRest) {
  StartServer(WithPing([](Request& req, ResponseWriter& w) {
    std::vector<uint8_t> buf(kMiB);
    Result<size_t> n = ReadFully(req.body(), buf);
    w.Send(n.ok() && *n == kMiB ? 413 : 500, R"({"errors":["too large"]})");
  }));
  uint64_t sent = 0;
  Call call{.method = "PUT", .path = "/upload"};
  call.upload_size = static_cast<curl_off_t>(16 * kMiB);
  call.upload = [&](uint8_t* dst, size_t n) {
    n = std::min<uint64_t>(n, 16 * kMiB - sent);
    std::memset(dst, 'y', n);
    sent += n;
    return n;
  };
  Reply r = Perform(port(), call);
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(sent, 16 * kMiB);
  ExpectAlive();
}

TEST_F(ServerTest, ClientAbortMakesWriteFail) {
  std::promise<std::pair<Status, uint64_t>> outcome;
  StartServer(WithPing([&](Request&, ResponseWriter& w) {
    std::vector<uint8_t> buf(64 * 1024, 'z');
    uint64_t wrote = 0;
    Status s;
    while (wrote < 16 * 1024 * kMiB) {
      s = w.Write(buf);
      if (!s.ok()) break;
      wrote += buf.size();
    }
    outcome.set_value({s, wrote});
  }));
  uint64_t received = 0;
  Call call{.path = "/download"};
  call.on_data = [&](std::string_view chunk) {
    received += chunk.size();
    return received < kMiB;  // hang up after about a MiB
  };
  Reply r = Perform(port(), call);
  EXPECT_EQ(r.code, CURLE_WRITE_ERROR);
  auto done = outcome.get_future();
  ASSERT_EQ(done.wait_for(20s), std::future_status::ready);
  auto [status, wrote] = done.get();
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kAborted) << status.ToString();
  EXPECT_LT(wrote, 1024 * kMiB);
  ExpectAlive();
}

}  // namespace
}  // namespace vk::httpd
