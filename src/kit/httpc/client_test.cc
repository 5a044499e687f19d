// Runs the client against a real local server (httpd, libmicrohttpd) on a
// free port of 127.0.0.1.
#include "kit/httpc/client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kit/base/strings.h"
#include "kit/httpd/server.h"
#include "kit/testing/pseudo_random.h"

namespace vk::httpc {
namespace {

// Hands out `data` in reads of irregular sizes (1 byte to 100 KiB), as a
// compressor or file would; optionally fails after `fail_after` bytes.
class ChoppySource : public ByteSource {
 public:
  explicit ChoppySource(std::string data, size_t fail_after = SIZE_MAX)
      : data_(std::move(data)), fail_after_(fail_after) {}
  Result<size_t> Read(MutableByteSpan dst) override {
    if (pos_ >= fail_after_) return IOError("read backup.snap: disk on fire");
    static const size_t kSizes[] = {1, 7, 4096, 100 << 10, 333, 65536};
    size_t n = std::min({dst.size(), data_.size() - pos_,
                         kSizes[reads_++ % std::size(kSizes)]});
    std::copy_n(data_.data() + pos_, n, dst.data());
    pos_ += n;
    return n;
  }
  size_t consumed() const { return pos_; }

 private:
  std::string data_;
  size_t fail_after_;
  size_t pos_ = 0;
  size_t reads_ = 0;
};

// Collects what it is given; fails on the write after `fail_after` bytes.
class TestSink : public ByteSink {
 public:
  explicit TestSink(size_t fail_after = SIZE_MAX) : fail_after_(fail_after) {}
  Status Write(ByteSpan data) override {
    ++writes;
    if (got.size() >= fail_after_) return Aborted("sink refuses more bytes");
    got.append(AsChars(data));
    return Status::Ok();
  }
  std::string got;
  int writes = 0;

 private:
  size_t fail_after_;
};

std::string ReadBody(httpd::Request& req) {
  auto body = ReadAllBounded(req.body(), size_t{1} << 30);
  return body.ok() ? *body : std::string();
}

// A port nothing listens on: bound, then released.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  socklen_t len = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  close(fd);
  return ntohs(sa.sin_port);
}

class ClientTest : public ::testing::Test {
 protected:
  void Start(httpd::Handler handler) {
    auto s = httpd::Server::Start(httpd::Options{}, std::move(handler));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value();
  }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  std::unique_ptr<httpd::Server> server_;
};

// Echoes what the server saw: method, path, query, selected headers, body.
void Echo(httpd::Request& req, httpd::ResponseWriter& w) {
  std::string body = ReadBody(req);
  w.SetHeader("X-Echo-Method", req.method);
  w.SetHeader("X-Multi", "one");
  w.Send(201,
         req.method + "|" + req.path + "|" + req.Query("q").value_or("-") +
             "|" + req.Header("x-vault-token").value_or("-") + "|" +
             req.Header("Content-Length").value_or("-") + "|" + body,
         "text/plain");
}

TEST_F(ClientTest, MethodsBodiesAndHeaders) {
  Start(Echo);
  Client client;
  struct Case {
    std::string method, body, want;
  };
  const Case cases[] = {
      {"GET", "", "GET|/v1/a|x y|tok|-|"},
      {"GET", "in-a-get", "GET|/v1/a|x y|tok|8|in-a-get"},
      {"POST", "{\"k\":1}", "POST|/v1/a|x y|tok|7|{\"k\":1}"},
      {"POST", "", "POST|/v1/a|x y|tok|0|"},
      {"PUT", "put body", "PUT|/v1/a|x y|tok|8|put body"},
      {"LIST", "", "LIST|/v1/a|x y|tok|0|"},
      {"DELETE", "", "DELETE|/v1/a|x y|tok|0|"},
  };
  for (const Case& c : cases) {
    Request r;
    r.method = c.method;
    r.url = Url("/v1/a?q=x%20y");
    r.headers = {{"X-Vault-Token", "tok"}, {"Content-Type", "text/plain"}};
    r.body = c.body;
    auto resp = client.Do(r);
    ASSERT_TRUE(resp.ok()) << c.method << ": " << resp.status().ToString();
    EXPECT_EQ(resp->status, 201);
    EXPECT_EQ(resp->body, c.want) << c.method;
    EXPECT_EQ(resp->Header("x-echo-method"), c.method);
    EXPECT_EQ(resp->Header("X-ECHO-METHOD"), c.method);
    EXPECT_EQ(resp->Header("content-type"), "text/plain");
    EXPECT_EQ(resp->Header("X-Absent"), std::nullopt);
    bool lower = true;
    for (const auto& [k, v] : resp->headers) lower &= (k == AsciiLower(k));
    EXPECT_TRUE(lower);
  }
}

TEST_F(ClientTest, HeadHasNoBody) {
  Start(Echo);
  Client client;
  Request r;
  r.method = "HEAD";
  r.url = Url("/v1/sys/health");
  auto resp = client.Do(r);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->body, "");
  EXPECT_EQ(resp->Header("X-Echo-Method"), "HEAD");
}

TEST_F(ClientTest, StreamedUploadChunkedAndWithLength) {
  std::mutex mu;
  std::string received, transfer_encoding, content_length;
  Start([&](httpd::Request& req, httpd::ResponseWriter& w) {
    std::string body = ReadBody(req);
    std::lock_guard l(mu);
    received = std::move(body);
    transfer_encoding = req.Header("Transfer-Encoding").value_or("-");
    content_length = req.Header("Content-Length").value_or("-");
    w.Send(204, "");
  });
  const std::string data = PseudoRandom((5 << 20) + 12345, 7);
  Client client;
  for (bool with_length : {false, true}) {
    ChoppySource src(data);
    Request r;
    r.method = "PUT";
    r.url = Url("/v1/sys/storage/raft/snapshot");
    r.body_source = &src;
    if (with_length) r.content_length = static_cast<int64_t>(data.size());
    auto resp = client.Do(r);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    EXPECT_EQ(resp->status, 204);
    std::lock_guard l(mu);
    EXPECT_TRUE(received == data)
        << "received " << received.size() << " bytes, sent " << data.size();
    if (with_length) {
      EXPECT_EQ(transfer_encoding, "-");
      EXPECT_EQ(content_length, std::to_string(data.size()));
    } else {
      EXPECT_EQ(transfer_encoding, "chunked");
      EXPECT_EQ(content_length, "-");
    }
  }
}

TEST_F(ClientTest, UploadSourceErrorIsReturned) {
  Start([](httpd::Request& req, httpd::ResponseWriter& w) {
    ReadBody(req);
    w.Send(204, "");
  });
  Client client;
  ChoppySource src(PseudoRandom(1 << 20, 1), 300 << 10);
  Request r;
  r.method = "PUT";
  r.url = Url("/upload");
  r.body_source = &src;
  auto resp = client.Do(r);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status(), IOError("read backup.snap: disk on fire"));
}

TEST_F(ClientTest, UploadShorterThanAnnouncedFails) {
  Start([](httpd::Request& req, httpd::ResponseWriter& w) {
    ReadBody(req);
    w.Send(204, "");
  });
  Client client;
  ChoppySource src(std::string(1000, 'x'));
  Request r;
  r.method = "POST";
  r.url = Url("/upload");
  r.body_source = &src;
  r.content_length = 5000;
  auto resp = client.Do(r);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(resp.status().message().find("after 1000 of the 5000 bytes"),
            std::string::npos)
      << resp.status().message();
}

// Streams `size` pseudo-random bytes in 64 KiB writes with `status`;
// counts what it managed to write.
struct Streamer {
  size_t size;
  int status = 200;
  std::atomic<size_t> written{0};
  std::atomic<bool> write_failed{false};
  void operator()(httpd::Request&, httpd::ResponseWriter& w) {
    const std::string data = PseudoRandom(size, 3);
    w.SetStatus(status);
    for (size_t pos = 0; pos < data.size(); pos += 64 << 10) {
      size_t n = std::min<size_t>(64 << 10, data.size() - pos);
      if (!w.Write(AsBytes(std::string_view(data).substr(pos, n))).ok()) {
        write_failed = true;
        return;
      }
      written += n;
    }
  }
};

TEST_F(ClientTest, StreamedDownloadToSink) {
  Streamer streamer{.size = (7 << 20) + 99};
  Start([&](httpd::Request& q, httpd::ResponseWriter& w) { streamer(q, w); });
  Client client;
  TestSink sink;
  Request r;
  r.url = Url("/v1/sys/storage/raft/snapshot");
  r.response_sink = &sink;
  r.max_body = 1024;  // applies to Response::body only
  auto resp = client.Do(r);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "");
  EXPECT_GT(sink.writes, 1);
  EXPECT_TRUE(sink.got == PseudoRandom(streamer.size, 3))
      << "got " << sink.got.size() << " bytes";
}

TEST_F(ClientTest, ErrorBodyBypassesSink) {
  Start([](httpd::Request&, httpd::ResponseWriter& w) {
    w.Send(503, "{\"errors\":[\"Vault is sealed\"]}");
  });
  Client client;
  TestSink sink;
  Request r;
  r.url = Url("/v1/sys/storage/raft/snapshot");
  r.response_sink = &sink;
  auto resp = client.Do(r);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 503);
  EXPECT_EQ(resp->body, "{\"errors\":[\"Vault is sealed\"]}");
  EXPECT_EQ(sink.got, "");
  EXPECT_EQ(sink.writes, 0);
}

TEST_F(ClientTest, SinkErrorAbortsTransfer) {
  Streamer streamer{.size = 64 << 20};
  Start([&](httpd::Request& q, httpd::ResponseWriter& w) { streamer(q, w); });
  Client client;
  TestSink sink(/*fail_after=*/1);
  Request r;
  r.url = Url("/big");
  r.response_sink = &sink;
  auto resp = client.Do(r);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status(), Aborted("sink refuses more bytes"));
  EXPECT_EQ(sink.writes, 2);
  // The server notices the client went away long before the end.
  for (int i = 0; i < 500 && !streamer.write_failed; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(streamer.write_failed);
  EXPECT_LT(streamer.written.load(), streamer.size);

  // The client recovers: the next request goes through on a new connection.
  streamer.size = 10;
  TestSink ok_sink;
  r.response_sink = &ok_sink;
  auto again = client.Do(r);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(ok_sink.got, PseudoRandom(10, 3));
}

TEST_F(ClientTest, MaxBody) {
  Streamer streamer{.size = 1 << 20};
  Start([&](httpd::Request& q, httpd::ResponseWriter& w) { streamer(q, w); });
  Client client;
  Request r;
  r.url = Url("/v1/secret/data/x?version=2");
  r.max_body = 1 << 20;
  auto exact = client.Do(r);
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->body.size(), size_t{1} << 20);

  r.max_body = (1 << 20) - 1;
  auto over = client.Do(r);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(over.status().message(),
            "GET http://127.0.0.1:" + std::to_string(server_->port()) +
                "/v1/secret/data/x: response body larger than 1048575 bytes");
}

TEST_F(ClientTest, RedirectIsNotFollowed) {
  std::atomic<int> target_hits{0};
  Start([&](httpd::Request& req, httpd::ResponseWriter& w) {
    if (req.path == "/target") {
      ++target_hits;
      return w.Send(200, "followed");
    }
    w.SetHeader("Location", "/target?x=1");
    w.Send(307, "");
  });
  Client client;
  Request r;
  r.url = Url("/v1/sys/storage/raft/snapshot");
  auto resp = client.Do(r);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->status, 307);
  EXPECT_EQ(resp->Header("Location"), "/target?x=1");
  EXPECT_EQ(target_hits.load(), 0);
}

TEST(ClientErrors, ConnectionRefusedKeepsSecretsOut) {
  int port = FreePort();
  Client client;
  Request r;
  r.method = "LIST";
  r.url = "http://user:pw-secret@127.0.0.1:" + std::to_string(port) +
          "/v1/secret/metadata?token=query-secret";
  r.headers = {{"X-Vault-Token", "hvs.header-secret"}};
  auto resp = client.Do(r);
  ASSERT_FALSE(resp.ok());
  EXPECT_EQ(resp.status().code(), StatusCode::kUnavailable);
  const std::string m = resp.status().message();
  std::string prefix =
      "LIST http://127.0.0.1:" + std::to_string(port) + "/v1/secret/metadata: ";
  EXPECT_EQ(m.substr(0, prefix.size()), prefix) << m;
  EXPECT_GT(m.size(), prefix.size()) << "no curl error text";
  for (const char* secret : {"header-secret", "query-secret", "pw-secret"})
    EXPECT_EQ(m.find(secret), std::string::npos) << m;
}

TEST(ClientErrors, MalformedRequestsAreRejected) {
  Client client;
  Request r;
  r.url = "http://127.0.0.1:1/x";
  r.method = "GET /evil HTTP/1.1\r\n";
  EXPECT_EQ(client.Do(r).status().code(), StatusCode::kInvalidArgument);

  r.method = "GET";
  r.headers = {{"X-Vault-Token", "hvs.abc\r\nX-Injected: 1"}};
  auto bad_header = client.Do(r);
  EXPECT_EQ(bad_header.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_header.status().message().find("hvs.abc"), std::string::npos);

  r.headers.clear();
  r.url = "ftp://127.0.0.1/file";
  EXPECT_EQ(client.Do(r).status(),
            InvalidArgument("GET ftp://127.0.0.1:21/file: only http and https "
                            "URLs are supported"));
  r.url = "not a url";
  EXPECT_EQ(client.Do(r).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ClientTest, TimeoutIsUnavailable) {
  Start([](httpd::Request&, httpd::ResponseWriter& w) {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    w.Send(200, "late");
  });
  Client client({.timeout_ms = 150});
  Request r;
  r.url = Url("/slow");
  auto start = std::chrono::steady_clock::now();
  auto resp = client.Do(r);
  EXPECT_EQ(resp.status().code(), StatusCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(600));
}

TEST_F(ClientTest, KeepAliveReusesOneConnection) {
  Start(Echo);
  Client client;
  for (int i = 0; i < 200; ++i) {
    Request r;
    r.method = i % 3 == 0 ? "GET" : (i % 3 == 1 ? "PUT" : "LIST");
    r.url = Url("/v1/kv/" + std::to_string(i));
    if (r.method == "PUT") r.body = "v" + std::to_string(i);
    auto resp = client.Do(r);
    ASSERT_TRUE(resp.ok()) << i << ": " << resp.status().ToString();
    ASSERT_EQ(resp->status, 201);
    ASSERT_EQ(resp->Header("x-echo-method"), r.method);
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(ClientTest, NewConnectionAfterServerRestart) {
  Start(Echo);
  Client client;
  Request r;
  r.method = "PUT";
  r.body = "first";
  r.url = Url("/v1/a");
  ASSERT_TRUE(client.Do(r).ok());
  int port = server_->port();
  server_.reset();  // closes the kept-alive connection
  httpd::Options o;
  o.port = port;
  auto s = httpd::Server::Start(o, Echo);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  server_ = std::move(s).value();
  r.body = "second";
  auto resp = client.Do(r);
  ASSERT_TRUE(resp.ok()) << resp.status().ToString();
  EXPECT_EQ(resp->body, "PUT|/v1/a|-|-|6|second");
  EXPECT_EQ(client.connections_opened(), 2);
}

// A standby answers a snapshot upload with 307 before reading it; the
// caller must see the 307, not a broken pipe. The client waits for 100
// Continue, so none of the body is even read from the source.
TEST_F(ClientTest, RedirectDuringStreamedUpload) {
  Start([](httpd::Request&, httpd::ResponseWriter& w) {
    w.SetHeader("Location",
                "http://127.0.0.1:1/v1/sys/storage/raft/snapshot-force");
    w.Send(307, "");
  });
  Client client;
  for (int i = 0; i < 5; ++i) {
    ChoppySource src(PseudoRandom(8 << 20, 5));
    Request r;
    r.method = "POST";
    r.url = Url("/v1/sys/storage/raft/snapshot-force");
    r.body_source = &src;
    auto resp = client.Do(r);
    ASSERT_TRUE(resp.ok()) << resp.status().ToString();
    EXPECT_EQ(resp->status, 307);
    EXPECT_EQ(resp->Header("location"),
              "http://127.0.0.1:1/v1/sys/storage/raft/snapshot-force");
    EXPECT_EQ(src.consumed(), 0u);
  }
}

}  // namespace
}  // namespace vk::httpc
