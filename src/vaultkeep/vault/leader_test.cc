// FindActive against scripted Vault nodes (vaultkeep/testing/fake_vault.h).
#include "vaultkeep/vault/leader.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "kit/testing/fake_clock.h"
#include "vaultkeep/testing/fake_vault.h"

namespace vk::vault {
namespace {

using testing::FakeVault;

using Clocked = vk::testing::FakeClock;
using std::chrono::milliseconds;

// One try per call; waits on `clock` (a shared fake when none is given).
ClientOptions FastOptions(Clocked* clock = nullptr) {
  static Clocked shared;
  ClientOptions o;
  o.request_timeout_ms = 5000;
  o.retry = {.attempts = 1};
  o.clock = clock != nullptr ? clock : &shared;
  return o;
}

bool Has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string LeaderJson(bool is_self, const std::string& leader) {
  return nlohmann::json{
      {"ha_enabled", true},         {"is_self", is_self},
      {"leader_address", leader},   {"leader_cluster_address", ""},
      {"raft_committed_index", 77}, {"raft_applied_index", 77}}
      .dump();
}
std::string HealthJson(bool initialized, bool sealed, bool standby) {
  return nlohmann::json{{"initialized", initialized},
                        {"sealed", sealed},
                        {"standby", standby},
                        {"version", "1.17.2"},
                        {"cluster_id", "c-1"}}
      .dump();
}

// The active node; it advertises `advertised` (its own address by default).
void Active(FakeVault& v, std::string advertised = "") {
  if (advertised.empty()) advertised = v.addr();
  v.Json("sys/leader", 200, LeaderJson(true, advertised));
  v.Json("sys/health", 200, HealthJson(true, false, false));
}
void Standby(FakeVault& v, const std::string& leader) {
  v.Json("sys/leader", 200, LeaderJson(false, leader));
  v.Json("sys/health", 200, HealthJson(true, false, true));
}
void Sealed(FakeVault& v) {
  v.Json("sys/leader", 200, LeaderJson(false, ""));
  v.Json("sys/health", 200, HealthJson(true, true, true));
}

TEST(FindActive, StandbyPointsAtLeader) {
  FakeVault a, b, c;
  Standby(a, b.addr() + "/");
  Active(b);
  Standby(c, b.addr());
  Client client(FastOptions(), "");
  for (const auto& addrs :
       {std::vector<std::string>{a.addr(), b.addr(), c.addr()},
        std::vector<std::string>{c.addr(), a.addr()}}) {
    auto found = FindActive(client, addrs, {.wait = std::chrono::seconds(0)});
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(found->addr, b.addr());
    EXPECT_TRUE(found->leader.is_self);
    EXPECT_EQ(found->leader.raft_applied_index, 77u);
    EXPECT_FALSE(found->health.standby);
    EXPECT_EQ(found->health.cluster_id, "c-1");
  }
  // The first standby was enough each time: the third node was never asked.
  EXPECT_EQ(c.calls("sys/leader"), 1);
  EXPECT_EQ(a.calls("sys/health"), 0);
}

TEST(FindActive, WaitsForASealedNode) {
  FakeVault v;
  std::atomic<int> polls{0};
  v.On("sys/leader", [&](httpd::Request&, httpd::ResponseWriter& w) {
    w.Send(200,
           ++polls <= 2 ? LeaderJson(false, "") : LeaderJson(true, v.addr()));
  });
  v.On("sys/health", [&](httpd::Request&, httpd::ResponseWriter& w) {
    bool sealed = polls <= 2;
    w.Send(200, HealthJson(true, sealed, sealed));
  });
  Clocked clock;
  Client client(FastOptions(&clock), "");
  std::vector<std::string> waits;
  FindOptions o{
      .wait = std::chrono::seconds(10),
      .poll = milliseconds(20),
      .on_wait = [&](const std::string& why) { waits.push_back(why); }};
  auto found = FindActive(client, {v.addr()}, o);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->addr, v.addr());
  ASSERT_EQ(waits.size(), 2u);
  for (const std::string& w : waits) EXPECT_EQ(w, v.addr() + ": sealed");
  EXPECT_EQ(clock.sleeps(), (std::vector<vk::Clock::Duration>{
                                milliseconds(20), milliseconds(20)}));
}

TEST(FindActive, GivesUpAtTheDeadline) {
  FakeVault v;
  Sealed(v);
  Clocked clock;
  Client client(FastOptions(&clock), "");
  auto found =
      FindActive(client, {v.addr()},
                 {.wait = milliseconds(1000), .poll = milliseconds(300)});
  EXPECT_EQ(found.status(),
            Unavailable("no active Vault node found within 1 s: " + v.addr() +
                        ": sealed"));
  EXPECT_EQ(clock.sleeps(), (std::vector<vk::Clock::Duration>{
                                milliseconds(300), milliseconds(300),
                                milliseconds(300), milliseconds(100)}));
}

TEST(FindActive, SealedWithoutWaitingIsUnavailable) {
  FakeVault sealed, uninit;
  Sealed(sealed);
  uninit.Json("sys/leader", 200, LeaderJson(false, ""));
  uninit.Json("sys/health", 200, HealthJson(false, true, false));
  Client client(FastOptions(), "");
  auto found = FindActive(client, {sealed.addr(), uninit.addr()},
                          {.wait = std::chrono::seconds(0)});
  EXPECT_EQ(found.status(),
            Unavailable("no active Vault node found: " + sealed.addr() +
                        ": sealed; " + uninit.addr() + ": not initialized"));
}

// Issue 14 item 10: sealed nodes were reported as "no Vault address
// answered" after five retries of a 500 each. Vault answers sys/leader on
// a sealed node with 503 "Vault is sealed" (older servers: 500); the
// search names them as sealed, with the unseal progress, and does not
// retry the call.
TEST(FindActive, SealedNodesAreNamedAsSealed) {
  for (int code : {503, 500}) {
    FakeVault v;
    v.Json("sys/leader", code, R"({"errors":["Vault is sealed"]})");
    v.Json("sys/seal-status", 200,
           R"({"type":"shamir","initialized":true,"sealed":true,"t":3,"n":5,)"
           R"("progress":1})");
    ClientOptions o = FastOptions();
    o.retry = {.attempts = 5};
    Client client(o, "");
    auto found =
        FindActive(client, {v.addr()}, {.wait = std::chrono::milliseconds(0)});
    EXPECT_EQ(found.status(),
              Unavailable("no active Vault node found: " + v.addr() +
                          ": sealed (1 of 3 key shares entered)"))
        << code;
    EXPECT_EQ(v.calls("sys/leader"), 1) << code;
    const NoActiveNode* why = found.status().detail<NoActiveNode>();
    ASSERT_NE(why, nullptr);
    EXPECT_TRUE(why->answered);
    EXPECT_TRUE(why->all_sealed);
  }
}

// A server that is not Vault (404 on a path every Vault serves) is final
// at once instead of being retried for the whole wait.
TEST(FindActive, NotAVaultServerFailsAtOnce) {
  FakeVault web;  // answers 404 to everything
  Clocked clock;
  Client client(FastOptions(&clock), "");
  auto found =
      FindActive(client, {web.addr()},
                 {.wait = std::chrono::seconds(30), .poll = milliseconds(50)});
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_EQ(found.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Has(found.status().message(), "is not a Vault API"))
      << found.status().message();
  // With a live node beside it, the live node wins.
  FakeVault good;
  Active(good);
  auto ok = FindActive(client, {web.addr(), good.addr()},
                       {.wait = std::chrono::seconds(0)});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->addr, good.addr());
}

TEST(FindActive, UninitializedIsFinal) {
  FakeVault uninit;
  uninit.Json("sys/leader", 200, LeaderJson(false, ""));
  uninit.Json("sys/health", 200, HealthJson(false, true, false));
  Clocked clock;
  Client client(FastOptions(&clock), "");
  auto found =
      FindActive(client, {uninit.addr()}, {.wait = std::chrono::seconds(30)});
  EXPECT_TRUE(clock.sleeps().empty());
  EXPECT_EQ(found.status().code(), StatusCode::kFailedPrecondition);
}

TEST(FindActive, AllUnreachable) {
  const std::string a = testing::UnusedAddr(), b = testing::UnusedAddr();
  Client client(FastOptions(), "");
  auto start = std::chrono::steady_clock::now();
  auto found = FindActive(client, {a, b}, {.wait = std::chrono::seconds(0)});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(found.status().code(), StatusCode::kUnavailable);
  const std::string m = found.status().message();
  EXPECT_TRUE(m.starts_with("no Vault address answered: " + a + ": GET " + a +
                            "/v1/sys/leader: "))
      << m;
  EXPECT_TRUE(Has(m, "; " + b + ": GET " + b + "/v1/sys/leader: ")) << m;
  const NoActiveNode* why = found.status().detail<NoActiveNode>();
  ASSERT_NE(why, nullptr);
  EXPECT_FALSE(why->answered);
  EXPECT_FALSE(why->all_sealed);
}

// The cluster advertises an in-cluster name we cannot reach; the node we
// were given that calls itself the leader wins.
TEST(FindActive, UnreachableAdvertisedAddressSelfWins) {
  const std::string internal = testing::UnusedAddr();
  FakeVault a, b;
  Standby(a, internal);
  Active(b, internal);
  Client client(FastOptions(), "");
  auto found = FindActive(client, {a.addr(), b.addr()},
                          {.wait = std::chrono::seconds(0)});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->addr, b.addr());
  EXPECT_EQ(found->leader.leader_address, internal);
}

// A node that names a leader which itself says it is not (leadership
// moved between the two questions) is not taken.
TEST(FindActive, AdvertisedNodeMustSayIsSelf) {
  FakeVault a, b;
  Standby(a, b.addr());
  Standby(b, "http://10.9.9.9:8200");  // b stepped down meanwhile
  Client client(FastOptions(), "");
  auto found =
      FindActive(client, {a.addr()}, {.wait = std::chrono::seconds(0)});
  EXPECT_EQ(found.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Has(found.status().message(),
                  a.addr() + " -> leader " + b.addr() + ": not the leader"))
      << found.status().message();
}

TEST(FindActive, BadInput) {
  Client client(FastOptions(), "");
  EXPECT_EQ(FindActive(client, {}, {}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FindActive(client, {"vault:8200"}, {}).status().code(),
            StatusCode::kInvalidArgument);
  FakeVault a;
  a.Json("sys/leader", 200, LeaderJson(false, "ftp://x"));
  auto found =
      FindActive(client, {a.addr()}, {.wait = std::chrono::seconds(0)});
  EXPECT_EQ(found.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Has(found.status().message(), "unusable leader address"))
      << found.status().message();
}

}  // namespace
}  // namespace vk::vault
