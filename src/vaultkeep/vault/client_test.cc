// Runs vault::Client against scripted Vault nodes
// (vaultkeep/testing/fake_vault.h): a real HTTP server on 127.0.0.1 per node.
#include "vaultkeep/vault/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kit/testing/fake_clock.h"
#include "kit/testing/pseudo_random.h"
#include "vaultkeep/testing/fake_vault.h"

namespace vk::vault {
namespace {

using testing::FakeVault;

constexpr char kToken[] = "hvs.CAESIsecret-token-0123456789";

// Retries wait on a fake clock (a fresh one per call unless the test
// passes its own), so retry tests take no time.
ClientOptions FastOptions(vk::testing::FakeClock* clock = nullptr) {
  thread_local std::vector<std::unique_ptr<vk::testing::FakeClock>> clocks;
  if (clock == nullptr) {
    clocks.push_back(std::make_unique<vk::testing::FakeClock>());
    clock = clocks.back().get();
  }
  ClientOptions o;
  o.request_timeout_ms = 5000;
  o.retry = {.attempts = 3,
             .initial = std::chrono::milliseconds(100),
             .max = std::chrono::milliseconds(150)};
  o.clock = clock;
  return o;
}

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(NormalizeAddr, Cases) {
  struct Case {
    const char* in;
    const char* want;  // nullptr: kInvalidArgument
  };
  const Case cases[] = {
      {"http://127.0.0.1:8200/", "http://127.0.0.1:8200"},
      {"http://127.0.0.1:8200", "http://127.0.0.1:8200"},
      {"http://h:8200/v1", "http://h:8200"},
      {"http://h:8200/v1/", "http://h:8200"},
      {"HTTPS://vault.example.com", "https://vault.example.com"},
      {" https://[::1]:8200/ ", "https://[::1]:8200"},
      {"ftp://h:8200", nullptr},
      {"127.0.0.1:8200", nullptr},
      {"http://", nullptr},
      {"http://:8200", nullptr},
      {"http://h:8200/ui", nullptr},
      {"http://h:8200/v1/sys", nullptr},
      {"http://h:99999", nullptr},
      {"http://h:", nullptr},
      {"http://h:8200?x=1", nullptr},
      {"http://user:pw-secret@h:8200", nullptr},
      {"", nullptr},
  };
  for (const Case& c : cases) {
    auto got = NormalizeAddr(c.in);
    if (c.want == nullptr) {
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << c.in;
      EXPECT_FALSE(Has(got.status().message(), "pw-secret"));
    } else {
      ASSERT_TRUE(got.ok()) << c.in << ": " << got.status().ToString();
      EXPECT_EQ(*got, c.want) << c.in;
    }
  }
}

TEST(Client, HealthLeaderSealStatus) {
  FakeVault v;
  v.Json("sys/health", 200,
         R"({"initialized":true,"sealed":false,"standby":true,
             "performance_standby":false,"version":"1.17.2",
             "cluster_id":"c-123","cluster_name":"vault-cluster-x",
             "server_time_utc":1700000000})");
  v.Json("sys/leader", 200,
         R"({"ha_enabled":true,"is_self":false,
             "leader_address":"https://vault-0.vault-internal:8200",
             "leader_cluster_address":"https://vault-0.vault-internal:8201",
             "raft_committed_index":18446744073709551615,
             "raft_applied_index":41})");
  v.Json("sys/seal-status", 200,
         R"({"type":"shamir","initialized":true,"sealed":true,"t":3,"n":5,
             "progress":1,"nonce":"n","version":"1.17.2",
             "cluster_id":"c-123","storage_type":"raft"})");
  Client client(FastOptions(), kToken);

  auto h = client.GetHealth(v.addr() + "/");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_TRUE(h->initialized);
  EXPECT_FALSE(h->sealed);
  EXPECT_TRUE(h->standby);
  EXPECT_EQ(h->version, "1.17.2");
  EXPECT_EQ(h->cluster_id, "c-123");
  EXPECT_EQ(h->cluster_name, "vault-cluster-x");
  FakeVault::Seen seen = v.seen("sys/health");
  EXPECT_EQ(seen.query["standbyok"], "true");
  EXPECT_EQ(seen.query["sealedcode"], "200");
  EXPECT_EQ(seen.query["uninitcode"], "200");
  EXPECT_EQ(seen.query["perfstandbyok"], "true");
  EXPECT_EQ(seen.token, "") << "unauthenticated calls carry no token";

  auto l = client.GetLeader(v.addr());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_TRUE(l->ha_enabled);
  EXPECT_FALSE(l->is_self);
  EXPECT_EQ(l->leader_address, "https://vault-0.vault-internal:8200");
  EXPECT_EQ(l->leader_cluster_address, "https://vault-0.vault-internal:8201");
  EXPECT_EQ(l->raft_committed_index, 18446744073709551615ull);
  EXPECT_EQ(l->raft_applied_index, 41u);
  EXPECT_EQ(v.seen("sys/leader").token, "");

  auto s = client.GetSealStatus(v.addr());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->type, "shamir");
  EXPECT_TRUE(s->initialized);
  EXPECT_TRUE(s->sealed);
  EXPECT_EQ(s->threshold, 3);
  EXPECT_EQ(s->shares, 5);
  EXPECT_EQ(s->progress, 1);
  EXPECT_EQ(s->version, "1.17.2");
  EXPECT_EQ(s->cluster_id, "c-123");
}

TEST(Client, OldLeaderAnswerAndStandbyHealthCode) {
  FakeVault v;
  v.Json("sys/leader", 200,
         R"({"ha_enabled":false,"is_self":false,"leader_address":""})");
  // A standby whose heartbeat is unhealthy keeps its own code (474).
  v.Json("sys/health", 474,
         R"({"initialized":true,"sealed":false,"standby":true})");
  Client client(FastOptions(), "");
  auto l = client.GetLeader(v.addr());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_FALSE(l->ha_enabled);
  EXPECT_EQ(l->raft_committed_index, 0u);
  EXPECT_EQ(l->raft_applied_index, 0u);
  auto h = client.GetHealth(v.addr());
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_TRUE(h->standby);
  EXPECT_EQ(v.calls("sys/health"), 1);
}

TEST(Client, TokenSentAndNeverInErrors) {
  FakeVault v;
  v.Json("secret/data/app", 200, R"({"data":{"data":{"k":"v"}}})");
  v.Json("secret/data/denied", 403, R"({"errors":["permission denied"]})");
  v.Json("secret/data/multi", 403,
         R"({"errors":["1 error occurred:\n\t* permission denied\n\n"]})");
  v.Json("secret/data/echo", 400,
         std::string(R"({"errors":["bad token )") + kToken + "\"]}");
  Client client(FastOptions(), kToken);

  auto ok = client.Read(v.addr(), "secret/data/app?version=2");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)["data"]["k"], "v");
  EXPECT_EQ(v.seen("secret/data/app").token, kToken);
  EXPECT_EQ(v.seen("secret/data/app").query["version"], "2");

  auto denied = client.Read(v.addr(), "/secret/data/denied?version=2");
  EXPECT_EQ(denied.status(),
            PermissionDenied("GET " + v.addr() +
                             "/v1/secret/data/denied: HTTP 403: "
                             "permission denied"));
  EXPECT_EQ(v.seen("secret/data/denied").token, kToken);
  EXPECT_EQ(v.calls("secret/data/denied"), 1);

  auto multi = client.Read(v.addr(), "secret/data/multi");
  EXPECT_EQ(multi.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(multi.status().message().ends_with("HTTP 403: permission denied"))
      << multi.status().message();

  auto echo = client.Read(v.addr(), "secret/data/echo");
  EXPECT_EQ(echo.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Has(echo.status().message(), kToken)) << echo.status().message();
  EXPECT_TRUE(Has(echo.status().message(), "bad token <redacted>"));

  auto missing = client.Read(v.addr(), "secret/data/none");
  EXPECT_EQ(missing.status(),
            NotFound("GET " + v.addr() + "/v1/secret/data/none: HTTP 404"));
  for (const auto* r : {&denied, &multi, &missing})
    EXPECT_FALSE(Has(r->status().message(), kToken));
}

TEST(Client, TransientErrorsAreRetried) {
  FakeVault v;
  std::atomic<int> n{0};
  v.On("sys/storage/raft/configuration",
       [&](httpd::Request&, httpd::ResponseWriter& w) {
         if (++n <= 2)
           return w.Send(503, R"({"errors":["no active Vault instance"]})");
         w.Send(200, R"({"data":{"config":{"index":0,"servers":[
             {"node_id":"vault-0","address":"vault-0.internal:8201",
              "leader":true,"voter":true,"protocol_version":"3"},
             {"node_id":"vault-1","address":"vault-1.internal:8201",
              "leader":false,"voter":false,"protocol_version":"3"}]}}})");
       });
  vk::testing::FakeClock clock;
  Client client(FastOptions(&clock), kToken);
  auto servers = client.RaftConfiguration(v.addr());
  ASSERT_TRUE(servers.ok()) << servers.status().ToString();
  EXPECT_EQ(v.calls("sys/storage/raft/configuration"), 3);
  // The policy's waits: bases 100 and 150 (capped) ms, jittered into their
  // upper halves.
  std::vector<Clock::Duration> waits = clock.sleeps();
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_GE(waits[0], std::chrono::milliseconds(50));
  EXPECT_LE(waits[0], std::chrono::milliseconds(100));
  EXPECT_GE(waits[1], std::chrono::milliseconds(75));
  EXPECT_LE(waits[1], std::chrono::milliseconds(150));
  ASSERT_EQ(servers->size(), 2u);
  EXPECT_EQ((*servers)[0].node_id, "vault-0");
  EXPECT_EQ((*servers)[0].address, "vault-0.internal:8201");
  EXPECT_TRUE((*servers)[0].leader);
  EXPECT_TRUE((*servers)[0].voter);
  EXPECT_EQ((*servers)[1].node_id, "vault-1");
  EXPECT_FALSE((*servers)[1].leader);
  EXPECT_FALSE((*servers)[1].voter);
  EXPECT_EQ(v.seen("sys/storage/raft/configuration").token, kToken);
}

TEST(Client, ClientErrorsAndSealedAreNotRetried) {
  FakeVault v;
  v.Json("sys/leader", 400, R"({"errors":["bad request"]})");
  v.Json("secret/data/x", 503, R"({"errors":["Vault is sealed"]})");
  vk::testing::FakeClock clock;
  Client client(FastOptions(&clock), kToken);
  auto l = client.GetLeader(v.addr());
  EXPECT_EQ(l.status(), InvalidArgument("GET " + v.addr() +
                                        "/v1/sys/leader: HTTP 400: "
                                        "bad request"));
  EXPECT_EQ(v.calls("sys/leader"), 1);
  auto r = client.Read(v.addr(), "secret/data/x");
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(v.calls("secret/data/x"), 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(Client, RetriesExhausted) {
  FakeVault v;
  v.Json("sys/seal-status", 500, R"({"errors":["internal error"]})");
  Client client(FastOptions(), "");
  auto s = client.GetSealStatus(v.addr());
  EXPECT_EQ(s.status(), Unavailable("GET " + v.addr() +
                                    "/v1/sys/seal-status: HTTP 500: internal "
                                    "error (after 3 attempts)"));
  EXPECT_EQ(v.calls("sys/seal-status"), 3);
}

TEST(Client, ConnectionRefusedIsUnavailable) {
  const std::string addr = testing::UnusedAddr();
  Client client(FastOptions(), kToken);
  auto h = client.GetHealth(addr);
  EXPECT_EQ(h.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(
      h.status().message().starts_with("GET " + addr + "/v1/sys/health: "))
      << h.status().message();
  EXPECT_TRUE(Has(h.status().message(), "(after 3 attempts)"));
  EXPECT_FALSE(Has(h.status().message(), "standbyok"));
  // A write retries a refused connection too: nothing was sent.
  auto w = client.Write(addr, "secret/data/x", {{"data", {{"k", "v"}}}});
  EXPECT_EQ(w.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Has(w.status().message(), "(after 3 attempts)"));
  EXPECT_FALSE(Has(w.status().message(), kToken));
}

TEST(Client, WriteSendsJsonAndIsNotRetriedOnAnAnswer) {
  FakeVault v;
  v.Json("secret/data/app", 200, R"({"data":{"version":3}})");
  v.Json("sys/policies/acl/p", 204, "");
  v.Json("secret/data/fail", 500, R"({"errors":["boom"]})");
  Client client(FastOptions(), kToken);
  auto w = client.Write(v.addr(), "secret/data/app",
                        {{"data", {{"password", "s3cr3t"}}}});
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ((*w)["version"], 3);
  FakeVault::Seen seen = v.seen("secret/data/app");
  EXPECT_EQ(seen.method, "PUT");
  EXPECT_EQ(seen.token, kToken);
  EXPECT_EQ(nlohmann::json::parse(seen.body),
            nlohmann::json({{"data", {{"password", "s3cr3t"}}}}));
  auto empty = client.Write(v.addr(), "sys/policies/acl/p", {{"policy", ""}});
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, nlohmann::json::object());
  auto fail = client.Write(v.addr(), "secret/data/fail", {{"data", {}}});
  EXPECT_EQ(fail.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(v.calls("secret/data/fail"), 1);
  EXPECT_EQ(client.Write(v.addr(), "bad path", {}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(Client, UnsealKeepsTheKeyOutOfErrors) {
  const std::string good = "9f4e1c2b7a55d3e0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6";
  const std::string bad = "0011223344556677889900aabbccddeeff0011223344";
  FakeVault v;
  v.On("sys/unseal", [&](httpd::Request&, httpd::ResponseWriter& w) {
    auto body = nlohmann::json::parse(v.seen("sys/unseal").body);
    if (body["key"] != good)
      return w.Send(400, R"({"errors":["Unseal failed, invalid key )" +
                             body["key"].get<std::string>() + "\"]}");
    w.Send(200, R"({"type":"shamir","initialized":true,"sealed":false,
                    "t":1,"n":1,"progress":0})");
  });
  Client client(FastOptions(), kToken);
  auto wrong = client.Unseal(v.addr(), bad);
  EXPECT_EQ(wrong.status(),
            InvalidArgument("PUT " + v.addr() +
                            "/v1/sys/unseal: HTTP 400: Unseal failed, invalid "
                            "key <redacted>"));
  EXPECT_FALSE(Has(wrong.status().message(), bad));
  EXPECT_EQ(v.calls("sys/unseal"), 1);
  EXPECT_EQ(v.seen("sys/unseal").token, "");
  auto ok = client.Unseal(v.addr(), good);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_FALSE(ok->sealed);
  EXPECT_EQ(ok->threshold, 1);
  EXPECT_EQ(nlohmann::json::parse(v.seen("sys/unseal").body)["key"], good);

  // Older servers: a 500 with the decryption error is a wrong key too.
  v.Json("sys/unseal", 500,
         R"({"errors":["failed to decrypt keys from storage: cipher: )"
         R"(message authentication failed"]})");
  auto old = client.Unseal(v.addr(), bad);
  EXPECT_EQ(old.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(v.calls("sys/unseal"), 3);  // not retried
}

// Streams `data` in 64 KiB chunks as the snapshot.
FakeVault::Route StreamOut(const std::string& data) {
  return [&data](httpd::Request&, httpd::ResponseWriter& w) {
    w.SetHeader("Content-Type", "application/gzip");
    for (size_t pos = 0; pos < data.size(); pos += 64 << 10) {
      std::string_view part = std::string_view(data).substr(pos, 64 << 10);
      if (!w.Write(AsBytes(part)).ok()) return;
    }
  };
}

TEST(Client, SnapshotStreamsIntoSink) {
  const std::string data = PseudoRandom((6 << 20) + 4321, 11);
  FakeVault v;
  v.On("sys/storage/raft/snapshot", StreamOut(data));
  Client client(FastOptions(), kToken);
  StringSink sink;
  uint64_t last = 0;
  int reports = 0;
  Status s = client.Snapshot(v.addr(), &sink, [&](uint64_t bytes) {
    EXPECT_GE(bytes, last);
    last = bytes;
    ++reports;
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(sink.data() == data) << "got " << sink.data().size() << " bytes";
  EXPECT_EQ(last, data.size());
  EXPECT_GT(reports, 1);
  EXPECT_EQ(v.seen("sys/storage/raft/snapshot").token, kToken);
  EXPECT_EQ(client.last_redirect(), "");
}

TEST(Client, SnapshotFromStandby) {
  FakeVault v;
  v.On("sys/storage/raft/snapshot",
       [](httpd::Request&, httpd::ResponseWriter& w) {
         w.SetHeader("Location",
                     "https://10.1.2.3:8200/v1/sys/storage/raft/snapshot?x=1");
         w.Send(307, "");
       });
  Client client(FastOptions(), kToken);
  StringSink sink;
  Status s = client.Snapshot(v.addr(), &sink);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(s.message(), "standby")) << s.message();
  EXPECT_TRUE(Has(s.message(), "https://10.1.2.3:8200")) << s.message();
  ASSERT_NE(s.detail<StandbyRedirect>(), nullptr);
  EXPECT_EQ(s.detail<StandbyRedirect>()->active, "https://10.1.2.3:8200");
  EXPECT_FALSE(Has(s.message(), "x=1")) << s.message();
  EXPECT_EQ(client.last_redirect(), "https://10.1.2.3:8200");
  EXPECT_EQ(sink.data(), "");
  EXPECT_EQ(v.calls("sys/storage/raft/snapshot"), 1);
}

TEST(Client, SnapshotStallIsReported) {
  FakeVault v;
  std::atomic<bool> done{false};
  v.On("sys/storage/raft/snapshot",
       [&](httpd::Request&, httpd::ResponseWriter& w) {
         (void)w.Write(AsBytes(std::string(100, 'x')));
         for (int i = 0; i < 800 && !done; ++i)
           std::this_thread::sleep_for(std::chrono::milliseconds(25));
       });
  ClientOptions o = FastOptions();
  // Issue 14 item 10: with curl's own low-speed check (which averages the
  // rate over ~5 s before its timer starts) a stream that stopped dead
  // after 100 bytes was cut only after the timeout plus 5-7 s.
  o.stall_timeout_s = 2;
  o.stall_bytes_per_s = 1;
  Client client(o, kToken);
  StringSink sink;
  auto start = std::chrono::steady_clock::now();
  Status s = client.Snapshot(v.addr(), &sink);
  done = true;
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::seconds(2));
  EXPECT_LT(took, std::chrono::milliseconds(3800));
  EXPECT_EQ(s, Unavailable("GET " + v.addr() +
                           "/v1/sys/storage/raft/snapshot: stalled: fewer "
                           "than 1 byte/s for 2 s after 100 bytes"));
  EXPECT_EQ(sink.data(), std::string(100, 'x'));
}

// Receives a restore upload and remembers how it came.
FakeVault::Route StreamIn(FakeVault& v, const std::string& path,
                          std::string* transfer_encoding) {
  return [&v, path, transfer_encoding](httpd::Request& req,
                                       httpd::ResponseWriter& w) {
    *transfer_encoding = req.Header("Transfer-Encoding").value_or("-");
    v.RecordBody(path, FakeVault::ReadBody(req));
    w.Send(204, "");
  };
}

TEST(Client, RestoreStreamsTheBody) {
  const std::string data = PseudoRandom((5 << 20) + 777, 5);
  FakeVault v;
  std::string te, te_force;
  v.On("sys/storage/raft/snapshot",
       StreamIn(v, "sys/storage/raft/snapshot", &te));
  v.On("sys/storage/raft/snapshot-force",
       StreamIn(v, "sys/storage/raft/snapshot-force", &te_force));
  Client client(FastOptions(), kToken);

  MemorySource src(data);
  uint64_t last = 0;
  Status s = client.Restore(v.addr(), &src, /*force=*/false,
                            [&](uint64_t bytes) { last = bytes; });
  ASSERT_TRUE(s.ok()) << s.ToString();
  FakeVault::Seen seen = v.seen("sys/storage/raft/snapshot");
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.token, kToken);
  EXPECT_TRUE(seen.body == data) << "got " << seen.body.size() << " bytes";
  EXPECT_EQ(te, "chunked");
  EXPECT_EQ(last, data.size());

  MemorySource again(data);
  ASSERT_TRUE(client.Restore(v.addr(), &again, /*force=*/true).ok());
  EXPECT_TRUE(v.seen("sys/storage/raft/snapshot-force").body == data);
  EXPECT_EQ(te_force, "chunked");
}

TEST(Client, RestoreWithOtherUnsealKeysNeedsForce) {
  FakeVault v;
  v.On("sys/storage/raft/snapshot", [&](httpd::Request& req,
                                        httpd::ResponseWriter& w) {
    FakeVault::ReadBody(req);
    w.Send(400, R"({"errors":["could not verify hash file, possibly the )"
                R"(snapshot is using a different set of unseal keys; use the )"
                R"(snapshot-force API to bypass this check"]})");
  });
  Client client(FastOptions(), kToken);
  const std::string data = PseudoRandom(300 << 10, 2);
  MemorySource src(data);
  Status s = client.Restore(v.addr(), &src, /*force=*/false);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(s.message().starts_with(
      "POST " + v.addr() + "/v1/sys/storage/raft/snapshot: HTTP 400: "))
      << s.message();
  EXPECT_TRUE(Has(s.message(), "other unseal keys")) << s.message();
  EXPECT_TRUE(Has(s.message(), "--force")) << s.message();
}

TEST(Client, RestoreToStandbySendsNothing) {
  FakeVault v;
  v.On("sys/storage/raft/snapshot-force",
       [](httpd::Request&, httpd::ResponseWriter& w) {
         w.SetHeader("Location", "http://vault-0.internal:8200/v1/x");
         w.Send(307, "");
       });
  Client client(FastOptions(), kToken);
  const std::string data = PseudoRandom(2 << 20, 3);
  MemorySource mem(data);
  CountingSource counted(&mem);
  Status s = client.Restore(v.addr(), &counted, /*force=*/true);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(s.message(), "http://vault-0.internal:8200")) << s.message();
  EXPECT_EQ(client.last_redirect(), "http://vault-0.internal:8200");
  EXPECT_EQ(counted.count(), 0u);
}

}  // namespace
}  // namespace vk::vault
