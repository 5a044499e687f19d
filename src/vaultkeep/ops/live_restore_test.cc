// ExecuteRestore step by step against a stateful fake Vault node
// (vaultkeep/testing/fake_vault_node.h), over an in-memory repository and
// a fake clock: every wait is a poll on the clock, so these run in
// milliseconds and can assert how long each step waited.
#include "vaultkeep/ops/live_restore.h"

#include <gtest/gtest.h>

#include <map>

#include "vaultkeep/testing/fake_vault_node.h"
#include "vaultkeep/testing/ops_fixture.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::ops {
namespace {

// A small Vault archive at raft index `index`.
std::string Archive(uint64_t index) {
  return vk::testing::MakeArchive(
      {.records = 50, .seed = index, .index = index});
}

using std::chrono::milliseconds;
using std::chrono::seconds;
using vault::testing::FakeVaultNode;
using vault::testing::NodeState;
using vault::testing::OnRestore;
using vk::testing::OpsFixture;
using vk::testing::UnsealKey;

constexpr char kRoot[] = "s.restored-root-token";
constexpr char kOld[] = "s.operator-token-of-the-target";

std::set<std::string> Keys(int n) {
  std::set<std::string> out;
  for (int i = 0; i < n; ++i) out.insert(UnsealKey(i));
  return out;
}

// A key store in memory.
class MemKeyStore : public keystore::KeyStore {
 public:
  std::string Describe() const override { return "memory"; }
  Result<std::optional<std::string>> Get(const std::string& name) override {
    auto it = entries.find(name);
    if (it == entries.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status PutAll(const std::map<std::string, std::string>& e) override {
    if (fail) return IOError("store is read-only");
    for (const auto& [k, v] : e) entries[k] = v;
    return Status::Ok();
  }
  std::map<std::string, std::string> entries;
  bool fail = false;
};

class RestoreTest : public ::testing::Test, public OpsFixture {
 protected:
  // A target that accepts the operator's token and, after the restore,
  // holds the backup's data: sealed with the backup's keys, the backup's
  // root token valid.
  NodeState Target(OnRestore on_restore) {
    NodeState s;
    s.tokens = {kOld};
    s.on_restore = on_restore;
    s.restored_keys = Keys(5);
    s.restored_tokens = {kRoot};
    s.reads["secret/data/probe"] = {{"data", {{"k", "v"}}}};
    return s;
  }

  RestorePlan Plan(FakeVaultNode& node, const std::string& backup_cluster) {
    RestorePlan p;
    Result<backup::VaultBackup> b = Backup(archive_, backup_cluster);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (b.ok()) p.backup = std::move(*b);
    p.snapshot = entry;
    for (int i = 0; i < 5; ++i) p.keys.unseal_keys.push_back(UnsealKey(i));
    p.keys.root_token = kRoot;
    p.keys.prefix = "k8s.kubevault.com.demo.vault";
    p.active.addr = node.addr();
    p.active.leader.raft_committed_index = node.state().raft_index;
    p.active.health.cluster_id = node.state().cluster_id;
    p.nodes = {node.addr()};
    for (const std::string& id : node.state().peers)
      p.peers.push_back(
          {.node_id = id, .address = id + ":8201", .voter = true});
    p.peers_known = true;
    p.endpoint = "sys/storage/raft/snapshot-force";
    p.threshold = 3;
    return p;
  }

  RestoreOptions Options(bool force) {
    RestoreOptions o;
    o.force = force;
    o.settle = seconds(10);
    o.poll = milliseconds(500);
    o.find.poll = milliseconds(500);
    o.probe_path = "secret/data/probe";
    o.on_step = [this](const RestoreStep& s) { steps_.push_back(s.name); };
    return o;
  }

  std::string archive_ = Archive(60);
  std::vector<std::string> steps_;
};

TEST_F(RestoreTest, ForcedRestoreIntoAnotherClusterRunsEveryStep) {
  FakeVaultNode node(Target(OnRestore::kSeal));
  RestorePlan p = Plan(node, "cluster-b");
  auto client = NewClient(kOld);
  auto r = ExecuteRestore(*client, *repo, p, Options(true));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(steps_, (std::vector<std::string>{"upload", "restore applied",
                                              "unsealed", "healthy", "probe"}));
  // The backup's archive went up (rebuilt from the repository: the same
  // entries, verified), to the forced endpoint.
  ASSERT_EQ(node.restores().size(), 1u);
  EXPECT_EQ(vk::testing::Untar(node.restores()[0]),
            vk::testing::Untar(archive_));
  EXPECT_EQ(node.http().calls("sys/storage/raft/snapshot-force"), 1);
  EXPECT_EQ(node.http().seen("sys/storage/raft/snapshot-force").token, kOld);
  EXPECT_EQ(r->steps[1].detail,
            node.addr() + " sealed itself on the restored data");
  // Unsealed with the backup's keys; checked with the backup's root token.
  EXPECT_FALSE(node.state().sealed);
  EXPECT_EQ(node.state().cluster_id, "cluster-b");
  EXPECT_EQ(node.http().seen("auth/token/lookup-self").token, kRoot);
  EXPECT_EQ(node.http().calls("secret/data/probe"), 1);
  EXPECT_EQ(r->active, node.addr());
  EXPECT_EQ(r->steps[4].detail,
            "restored root token valid, read secret/data/probe");
}

TEST_F(RestoreTest, SameClusterRestoreSeesTheRaftIndexMove) {
  NodeState s = Target(OnRestore::kBumpIndex);
  s.restored_tokens.clear();
  FakeVaultNode node(s);
  RestorePlan p = Plan(node, "cluster-a");
  p.keys.root_token.reset();
  p.endpoint = "sys/storage/raft/snapshot";
  auto client = NewClient(kOld);
  auto r = ExecuteRestore(*client, *repo, p, Options(false));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(node.http().calls("sys/storage/raft/snapshot"), 1);
  EXPECT_EQ(r->steps[1].name, "restore applied");
  EXPECT_EQ(r->steps[1].detail, "raft index 40 -> 50");
  EXPECT_EQ(r->steps.back().detail, "token valid, read secret/data/probe");
  // Nothing had to be waited for.
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST_F(RestoreTest, ARestoreThatNeverShowsTimesOutOnTheClock) {
  FakeVaultNode node(Target(OnRestore::kNothing));
  RestorePlan p = Plan(node, "cluster-b");
  auto client = NewClient(kOld);
  RestoreOptions o = Options(true);
  o.settle = seconds(3);
  auto r = ExecuteRestore(*client, *repo, p, o);
  EXPECT_EQ(r.status(),
            Unavailable("Vault accepted the snapshot but no node showed the "
                        "restore within 3 s"));
  EXPECT_EQ(steps_, std::vector<std::string>{"upload"});
  EXPECT_EQ(clock.slept(), seconds(3));
  EXPECT_EQ(clock.sleeps().size(), 6u);  // every 500 ms
  EXPECT_EQ(node.unseal_calls(), 0);
}

TEST_F(RestoreTest, ResumeSkipsTheUploadAndFinishes) {
  NodeState s = Target(OnRestore::kSeal);
  s.sealed = true;  // what an interrupted forced restore left
  s.good_keys = Keys(5);
  s.tokens = {kRoot};
  FakeVaultNode node(s);
  RestorePlan p = Plan(node, "cluster-b");
  p.resume = true;
  p.resume_reason = "sealed with the backup's seal";
  auto client = NewClient(kOld);
  auto r = ExecuteRestore(*client, *repo, p, Options(true));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(steps_, (std::vector<std::string>{"resumed", "unsealed", "healthy",
                                              "probe"}));
  EXPECT_TRUE(node.restores().empty());
  EXPECT_FALSE(node.state().sealed);
}

TEST_F(RestoreTest, KeysAreMigratedUnderTheTargetPrefix) {
  FakeVaultNode node(Target(OnRestore::kSeal));
  RestorePlan p = Plan(node, "cluster-b");
  p.migrate_names = {"x"};
  p.key_store = "memory";
  MemKeyStore store;
  RestoreOptions o = Options(true);
  o.target_keys = &store;
  o.target_prefix = "k8s.kubevault.com.prod.vault";
  auto client = NewClient(kOld);
  auto r = ExecuteRestore(*client, *repo, p, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(steps_[2], "keys migrated");
  ASSERT_EQ(store.entries.size(), 6u);
  EXPECT_EQ(store.entries.at(keystore::UnsealKeyName(o.target_prefix, 4)),
            UnsealKey(4));
  EXPECT_EQ(store.entries.at(keystore::RootTokenName(o.target_prefix)), kRoot);
}

TEST_F(RestoreTest, AFailedMigrationStopsBeforeTheUnseal) {
  FakeVaultNode node(Target(OnRestore::kSeal));
  RestorePlan p = Plan(node, "cluster-b");
  p.migrate_names = {"x"};
  MemKeyStore store;
  store.fail = true;
  RestoreOptions o = Options(true);
  o.target_keys = &store;
  o.target_prefix = "k8s.kubevault.com.prod.vault";
  auto client = NewClient(kOld);
  auto r = ExecuteRestore(*client, *repo, p, o);
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_NE(r.status().message().find("running it again finishes it"),
            std::string::npos);
  EXPECT_EQ(node.unseal_calls(), 0);
  EXPECT_TRUE(node.state().sealed);
}

TEST_F(RestoreTest, HealthyWaitsForTheRaftPeers) {
  NodeState s = Target(OnRestore::kSeal);
  s.peers = {"node-0", "node-1", "node-2"};
  s.peers_lag = 2;  // two answers list only the leader
  FakeVaultNode node(s);
  RestorePlan p = Plan(node, "cluster-b");
  auto client = NewClient(kOld);
  auto r = ExecuteRestore(*client, *repo, p, Options(true));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->steps[3].detail,
            "active " + node.addr() + ", 3 raft peers, 1 nodes unsealed");
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

TEST_F(RestoreTest, TheProbeNeedsTheRestoredRootToken) {
  NodeState s = Target(OnRestore::kSeal);
  s.restored_tokens = {"s.some-other-token"};
  FakeVaultNode node(s);
  RestorePlan p = Plan(node, "cluster-b");
  p.peers_known = false;
  auto client = NewClient(kOld);
  auto r = ExecuteRestore(*client, *repo, p, Options(true));
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(
      r.status().message().starts_with("probe with the restored root token: "))
      << r.status().message();
  EXPECT_EQ(steps_.back(), "healthy");
}

}  // namespace
}  // namespace vk::ops
