// Runs real servers on 127.0.0.1 (port 0) and talks to them with libcurl,
// or with raw sockets where a client must misbehave (stall mid-upload,
// never read the response).
#include "kit/httpd/server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kit/crypto/sha256.h"

namespace vk::httpd {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kBig = 64 * kMiB;

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

size_t OnHeaderLine(char* data, size_t size, size_t n, void* ud) {
  auto* reply = static_cast<Reply*>(ud);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (auto& c : name) c = static_cast<char>(std::tolower(c));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) {
      value.pop_back();
    }
    reply->headers.emplace_back(name, value);
  }
  return size * n;
}

struct Transfer {
  const Call* call;
  Reply* reply;
  size_t body_pos = 0;
};

size_t OnBodyData(char* data, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  std::string_view chunk(data, size * n);
  if (t->call->on_data) return t->call->on_data(chunk) ? size * n : 0;
  t->reply->body.append(chunk);
  return size * n;
}

size_t OnUploadData(char* buf, size_t size, size_t n, void* ud) {
  auto* t = static_cast<Transfer*>(ud);
  if (t->call->upload) {
    return t->call->upload(reinterpret_cast<uint8_t*>(buf), size * n);
  }
  const std::string& body = *t->call->body;
  size_t k = std::min(size * n, body.size() - t->body_pos);
  std::memcpy(buf, body.data() + t->body_pos, k);
  t->body_pos += k;
  return k;
}

// Performs `call` on `curl`, which keeps its connection for reuse.
Reply Perform(CURL* curl, int port, const Call& call) {
  Reply reply;
  Transfer t{&call, &reply};
  curl_easy_reset(curl);
  std::string url = std::string(call.ca_file.empty() ? "http" : "https") +
                    "://127.0.0.1:" + std::to_string(port) + call.path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, call.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeaderLine);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBodyData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  if (!call.ca_file.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, call.ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  }
  if (call.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (call.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  if (call.body || call.upload) {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &OnUploadData);
    curl_easy_setopt(curl, CURLOPT_READDATA, &t);
    curl_off_t size = call.body ? static_cast<curl_off_t>(call.body->size())
                                : call.upload_size;
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, size);
  }
  curl_slist* list = nullptr;
  for (const auto& h : call.headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  reply.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(list);
  return reply;
}

Reply Perform(int port, const Call& call) {
  CURL* curl = curl_easy_init();
  Reply r = Perform(curl, port, call);
  curl_easy_cleanup(curl);
  return r;
}

// A raw connection for clients that misbehave on purpose.
int ConnectRaw(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void SendRaw(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    s.remove_prefix(static_cast<size_t>(n));
  }
}

struct TlsPair {
  std::string cert_pem;
  std::string key_pem;
};

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

// A self-signed P-256 certificate for 127.0.0.1.
TlsPair MakeSelfSigned() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("vaultkeep test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                            "IP:127.0.0.1,DNS:localhost");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  TlsPair pair{BioString(cert_bio), BioString(key_bio)};
  BIO_free(cert_bio);
  BIO_free(key_bio);
  X509_free(x);
  EVP_PKEY_free(key);
  return pair;
}

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
Handler WithPing(Handler rest) {
  return [rest](Request& req, ResponseWriter& w) {
    if (req.path == "/ping") return w.Send(200, "pong", "text/plain");
    rest(req, w);
  };
}

TEST(RequestTest, LookupsAndDefaults) {
  Request r;
  r.headers = {{"X-Vault-Token", "s.abc"}, {"x-vault-token", "second"}};
  r.query = {{"list", "true"}, {"a", "1"}, {"a", "2"}};
  EXPECT_EQ(r.Header("x-VAULT-token"), "s.abc");
  EXPECT_EQ(r.Header("Content-Length"), std::nullopt);
  EXPECT_EQ(r.Query("a"), "1");
  EXPECT_EQ(r.Query("A"), std::nullopt);  // query names are case-sensitive
  uint8_t buf[4];
  Result<size_t> n = r.body().Read(buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);  // no body source: empty body
}

TEST(MemoryResponseWriterTest, RecordsSendAndIgnoresLateChanges) {
  MemoryResponseWriter w;
  EXPECT_FALSE(w.committed());
  w.SetHeader("X-A", "1");
  w.SetHeader("x-a", "2");
  w.Send(404, R"({"errors":[]})");
  w.SetStatus(200);
  w.Send(500, "ignored");
  EXPECT_TRUE(w.committed());
  EXPECT_FALSE(w.streamed());
  EXPECT_EQ(w.status(), 404);
  EXPECT_EQ(w.header("X-A"), "2");
  EXPECT_EQ(w.header("content-type"), "application/json");
  EXPECT_EQ(w.body(), R"({"errors":[]})");
  EXPECT_EQ(w.Write(AsBytes("x")).code(), StatusCode::kFailedPrecondition);
}

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

TEST_F(ServerTest, CustomMethodListReachesHandler) {
  StartServer([](Request& req, ResponseWriter& w) {
    w.Send(req.method == "LIST" ? 200 : 405, req.method + " " + req.path,
           "text/plain");
  });
  Reply r = Perform(port(), {.method = "LIST", .path = "/v1/secret/"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "LIST /v1/secret/");
}

TEST_F(ServerTest, PathAndQueryArePercentDecoded) {
  Request seen;
  StartServer([&](Request& req, ResponseWriter& w) {
    seen.path = req.path;
    seen.query = req.query;
    w.Send(200, "{}");
  });
  Reply r = Perform(port(), {.path = "/v1/kv/a%2Fb%20c+d?list=true&x=1+2"
                                     "&x=%E2%9C%93&bad=%zz&flag&&e=a%3Db"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(seen.path, "/v1/kv/a/b c+d");  // '+' is literal in a path
  std::vector<std::pair<std::string, std::string>> want = {
      {"list", "true"},
      {"x", "1 2"},
      {"x", "\xE2\x9C\x93"},
      {"flag", ""},
      {"e", "a=b"}};
  EXPECT_EQ(seen.query, want);  // the pair with a bad escape is dropped
  EXPECT_EQ(seen.Query("x"), "1 2");

  Reply bad = Perform(port(), {.path = "/v1/a%zzb"});
  ASSERT_EQ(bad.code, CURLE_OK);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"errors":["invalid URL escape"]})");
}

TEST_F(ServerTest, HeadersAreCaseInsensitive) {
  StartServer([](Request& req, ResponseWriter& w) {
    std::optional<std::string> token = req.Header("X-Vault-Token");
    std::optional<std::string> missing = req.Header("X-Vault-Namespace");
    w.Send(token ? 200 : 403, token.value_or("") + (missing ? "!" : ""),
           "text/plain");
  });
  Reply r = Perform(port(), {.headers = {"x-vault-token: hvs.test"}});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hvs.test");
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
