#include "minivault/core/core.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kit/barrier/barrier.h"
#include "kit/crypto/aead.h"
#include "kit/snapshot/records.h"
#include "kit/snapshot/sealed.h"
#include "kit/testing/test_dir.h"
#include "minivault/core/applier.h"
#include "minivault/core/snapshot_io.h"

namespace vk::minivault {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

using vk::testing::MakeTempDir;

// One minivault node: a Store in its own directory, a LocalApplier and a
// Core. Close() and Reopen() model a process restart.
class Node {
 public:
  explicit Node(std::string name)
      : name_(std::move(name)), dir_(MakeTempDir()) {
    Reopen();
  }
  ~Node() {
    Close();
    std::filesystem::remove_all(dir_);
  }

  void Close() {
    core_.reset();
    applier_.reset();
    store_.reset();
  }
  void Reopen() {
    Close();
    auto s = fsm::Store::Open({.dir = dir_, .map_size = size_t{1} << 30});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    applier_ = std::make_unique<LocalApplier>(store_.get(), 1);
    core_ =
        std::make_unique<Core>(store_.get(), applier_.get(),
                               CoreOptions{.node_id = name_,
                                           .api_addr = "http://127.0.0.1:8200",
                                           .cluster_addr = "127.0.0.1:8201",
                                           .log = nullptr});
  }

  Core& core() { return *core_; }
  fsm::Store& store() { return *store_; }

  // Submits shares until the core unseals; returns the last status.
  Result<SealStatus> UnsealWith(const std::vector<std::string>& keys) {
    Result<SealStatus> last = InvalidArgument("no keys");
    for (const auto& k : keys) {
      last = core_->Unseal(k);
      if (!last.ok() || !last->sealed) break;
    }
    return last;
  }

  // The node's snapshot archive, sealed with its KEK (node unsealed).
  std::string Archive() {
    auto access = core_->Begin();
    auto snap = access.OpenSnapshot();
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    if (!snap.ok()) return "";
    StringSink out;
    Status s = WriteArchive(*snap.value(), access.kek(), out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out.data();
  }

  // Every stored pair, from a snapshot's state.bin.
  Pairs StoredPairs() {
    auto snap = store_->OpenSnapshot();
    EXPECT_TRUE(snap.ok());
    if (!snap.ok()) return {};
    StringSink state;
    EXPECT_TRUE(snap.value()->WriteState(state).ok());
    Pairs out;
    snapshot::RecordScanner sc(
        state.data().size(), {.keep_values = true},
        [&](const snapshot::StateRecord& r) {
          out.emplace_back(std::string(r.key), std::string(AsChars(r.value)));
          return Status::Ok();
        });
    EXPECT_TRUE(sc.Feed(AsBytes(state.data())).ok());
    EXPECT_TRUE(sc.Finish().ok());
    return out;
  }

  std::optional<std::string> Get(std::string_view key) {
    auto v = store_->Get(key);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? v.value() : std::nullopt;
  }

 private:
  std::string name_;
  std::string dir_;
  std::unique_ptr<fsm::Store> store_;
  std::unique_ptr<LocalApplier> applier_;
  std::unique_ptr<Core> core_;
};

std::optional<TokenEntry> Lookup(Core& core, std::string_view token) {
  auto access = core.Begin();
  auto r = access.LookupToken(token);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : std::nullopt;
}

TEST(CoreInitTest, RejectsBadSealConfigsWithVaultTexts) {
  Node node("node-a");
  struct Case {
    int shares, threshold;
    const char* message;
  };
  for (const Case& c : {
           Case{0, 1, "shares must be at least one"},
           Case{0, 0, "shares must be at least one"},
           Case{3, 0, "threshold must be at least one"},
           Case{3, 5, "threshold cannot be larger than shares"},
           Case{3, 1, "threshold must be greater than one for multiple shares"},
           Case{256, 3, "shares must be less than 256"},
       }) {
    auto r = node.core().Init(c.shares, c.threshold);
    ASSERT_FALSE(r.ok()) << c.shares << "/" << c.threshold;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.message);
    EXPECT_FALSE(node.core().Initialized().value());
    EXPECT_FALSE(node.Get(barrier::kSealConfigPath).has_value());
  }
  EXPECT_EQ(node.store().applied_index(), 0u);
  SealStatus st = node.core().GetSealStatus();
  EXPECT_FALSE(st.initialized);
  EXPECT_TRUE(st.sealed);
}

TEST(CoreInitTest, InitTwiceFails) {
  Node node("node-a");
  ASSERT_TRUE(node.core().Init(1, 1).ok());
  uint64_t index = node.store().applied_index();
  auto again = node.core().Init(1, 1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(again.status().message(), "Vault is already initialized");
  EXPECT_EQ(node.store().applied_index(), index);
}

TEST(CoreInitTest, InitLeavesTheNodeSealedWithShares) {
  Node node("node-a");
  auto init = node.core().Init(5, 3);
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  EXPECT_TRUE(node.core().Initialized().value());
  EXPECT_TRUE(node.core().sealed());
  ASSERT_EQ(init->keys.size(), 5u);
  for (const auto& k : init->keys) EXPECT_EQ(k.size(), 33u);
  EXPECT_EQ(init->root_token.substr(0, 4), "hvs.");
  EXPECT_EQ(init->root_token.size(), 28u);

  SealStatus st = node.core().GetSealStatus();
  EXPECT_TRUE(st.initialized);
  EXPECT_TRUE(st.sealed);
  EXPECT_EQ(st.t, 3);
  EXPECT_EQ(st.n, 5);
  EXPECT_EQ(st.progress, 0);
  EXPECT_EQ(st.nonce, "");
  EXPECT_EQ(st.cluster_name, "");
  EXPECT_EQ(st.cluster_id, "");

  // A sealed node serves no token lookups.
  auto access = node.core().Begin();
  EXPECT_TRUE(access.sealed());
  auto r = access.LookupToken(init->root_token);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(access.kek(), "");
}

TEST(CoreInitTest, SingleShareIsTheRawKey) {
  Node node("node-a");
  auto init = node.core().Init(1, 1);
  ASSERT_TRUE(init.ok()) << init.status().ToString();
  ASSERT_EQ(init->keys.size(), 1u);
  EXPECT_EQ(init->keys[0].size(), 32u);
  SealStatus st = node.core().GetSealStatus();
  EXPECT_EQ(st.t, 1);
  EXPECT_EQ(st.n, 1);
  auto u = node.core().Unseal(init->keys[0]);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_FALSE(u->sealed);
  // The single key is the KEK itself.
  EXPECT_EQ(node.core().Begin().kek(), init->keys[0]);
}

TEST(CoreUnsealTest, ProgressDuplicatesResetAndWrongKeys) {
  Node node("node-a");
  auto init = node.core().Init(5, 3);
  ASSERT_TRUE(init.ok());
  Node other("node-b");
  auto other_init = other.core().Init(5, 3);
  ASSERT_TRUE(other_init.ok());
  Core& core = node.core();

  auto s1 = core.Unseal(init->keys[0]);
  ASSERT_TRUE(s1.ok()) << s1.status().ToString();
  EXPECT_TRUE(s1->sealed);
  EXPECT_EQ(s1->progress, 1);
  EXPECT_EQ(s1->t, 3);
  EXPECT_EQ(s1->n, 5);
  EXPECT_EQ(s1->nonce.size(), 36u);

  // The same share again does not advance.
  auto dup = core.Unseal(init->keys[0]);
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->progress, 1);
  EXPECT_EQ(dup->nonce, s1->nonce);
  EXPECT_TRUE(dup->sealed);

  auto s2 = core.Unseal(init->keys[1]);
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s2->progress, 2);
  EXPECT_EQ(s2->nonce, s1->nonce);

  ASSERT_TRUE(core.ResetUnseal().ok());
  SealStatus reset = core.GetSealStatus();
  EXPECT_EQ(reset.progress, 0);
  EXPECT_EQ(reset.nonce, "");
  EXPECT_TRUE(reset.sealed);

  // Bad lengths are refused before they count.
  auto short_key = core.Unseal(std::string(15, 'x'));
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(core.GetSealStatus().progress, 0);

  // Another cluster's shares combine to a KEK that opens nothing.
  Result<SealStatus> wrong = InvalidArgument("unset");
  for (int i = 0; i < 3; ++i) wrong = core.Unseal(other_init->keys[i]);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.status().message(), "Unseal failed, invalid key");
  EXPECT_TRUE(core.sealed());
  SealStatus after_wrong = core.GetSealStatus();
  EXPECT_TRUE(after_wrong.sealed);
  EXPECT_EQ(after_wrong.progress, 0);
  EXPECT_EQ(after_wrong.nonce, "");

  // The right shares, in another order, then unseal.
  auto u1 = core.Unseal(init->keys[4]);
  ASSERT_TRUE(u1.ok());
  EXPECT_TRUE(u1->sealed);
  auto u2 = core.Unseal(init->keys[2]);
  ASSERT_TRUE(u2.ok());
  EXPECT_TRUE(u2->sealed);
  auto u3 = core.Unseal(init->keys[0]);
  ASSERT_TRUE(u3.ok()) << u3.status().ToString();
  EXPECT_FALSE(u3->sealed);
  EXPECT_EQ(u3->progress, 0);
  EXPECT_EQ(u3->nonce, "");
  EXPECT_EQ(u3->cluster_name.substr(0, 14), "vault-cluster-");
  EXPECT_EQ(u3->cluster_name.size(), 22u);
  EXPECT_EQ(u3->cluster_id.size(), 36u);
  EXPECT_FALSE(core.sealed());
  EXPECT_EQ(core.Begin().cluster().id, u3->cluster_id);

  // Resetting an unsealed node is refused as in Vault.
  Status r = core.ResetUnseal();
  EXPECT_EQ(r.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.message(), "vault is unsealed");

  auto root = Lookup(core, init->root_token);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->id, init->root_token);
  EXPECT_EQ(root->policies, std::vector<std::string>{"root"});
  EXPECT_EQ(root->path, "auth/token/root");
  EXPECT_EQ(root->ttl, 0);
  EXPECT_FALSE(Lookup(core, other_init->root_token).has_value());
  EXPECT_FALSE(Lookup(core, "hvs.notatokenatallxxxxxxxx").has_value());
}

TEST(CoreUnsealTest, WrongSingleKeyFails) {
  Node node("node-a");
  auto init = node.core().Init(1, 1);
  ASSERT_TRUE(init.ok());
  auto wrong = node.core().Unseal(RandomBytes(32));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.status().message(), "Unseal failed, invalid key");
  EXPECT_TRUE(node.core().sealed());
}

TEST(CoreSealTest, SealClearsKeysAndRestartKeepsState) {
  Node node("node-a");
  auto init = node.core().Init(3, 2);
  ASSERT_TRUE(init.ok());
  auto u = node.UnsealWith(init->keys);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  ASSERT_FALSE(u->sealed);
  std::string cluster_id = u->cluster_id;
  std::string mount_uuid;
  {
    auto access = node.core().Begin();
    EXPECT_EQ(access.kek().size(), 32u);
    MountEntry m;
    m.path = "secret";
    m.type = "kv";
    m.options = {{"version", "2"}};
    ASSERT_TRUE(access.EnableMount(m).ok());
    MountTable mounts = access.mounts();  // a copy; Find points into it
    const MountEntry* found = mounts.Find("secret/");
    ASSERT_NE(found, nullptr);
    mount_uuid = found->uuid;
    EXPECT_EQ(mount_uuid.size(), 36u);
  }

  ASSERT_TRUE(node.core().Seal().ok());
  EXPECT_TRUE(node.core().sealed());
  SealStatus st = node.core().GetSealStatus();
  EXPECT_TRUE(st.sealed);
  EXPECT_EQ(st.cluster_name, "");
  EXPECT_EQ(st.cluster_id, "");
  {
    auto access = node.core().Begin();
    EXPECT_EQ(access.kek(), "");
    EXPECT_EQ(access.cluster().id, "");
    EXPECT_EQ(access.LookupToken(init->root_token).status().code(),
              StatusCode::kUnavailable);
    EXPECT_EQ(access.OpenSnapshot().status().code(), StatusCode::kUnavailable);
  }
  ASSERT_TRUE(node.core().Seal().ok());  // sealing twice is fine

  // Unseal again in the same process.
  ASSERT_FALSE(node.UnsealWith({init->keys[2], init->keys[1]})->sealed);
  EXPECT_TRUE(Lookup(node.core(), init->root_token).has_value());

  // Restart: a fresh Core over the reopened store starts sealed.
  node.Reopen();
  EXPECT_TRUE(node.core().sealed());
  SealStatus restarted = node.core().GetSealStatus();
  EXPECT_TRUE(restarted.initialized);
  EXPECT_TRUE(restarted.sealed);
  EXPECT_EQ(restarted.t, 2);
  EXPECT_EQ(restarted.n, 3);
  EXPECT_EQ(restarted.progress, 0);
  auto again = node.UnsealWith({init->keys[1], init->keys[0]});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->sealed);
  EXPECT_EQ(again->cluster_id, cluster_id);
  auto root = Lookup(node.core(), init->root_token);
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->policies, std::vector<std::string>{"root"});
  auto access = node.core().Begin();
  MountTable mounts = access.mounts();  // a copy; Find points into it
  const MountEntry* found = mounts.Find("secret/");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->uuid, mount_uuid);
  EXPECT_EQ(found->type, "kv");
  EXPECT_EQ(found->options, (nlohmann::json{{"version", "2"}}));
}

TEST(CoreStorageTest, LayoutAndBarrierFormat) {
  Node node("node-a");
  auto init = node.core().Init(1, 1);
  ASSERT_TRUE(init.ok());

  auto config = node.Get("core/seal-config");
  ASSERT_TRUE(config.has_value());
  nlohmann::json j = nlohmann::json::parse(*config, nullptr, false);
  ASSERT_TRUE(j.is_object()) << *config;
  EXPECT_EQ(j["type"], "shamir");
  EXPECT_EQ(j["secret_shares"], 1);
  EXPECT_EQ(j["secret_threshold"], 1);
  EXPECT_EQ(j["stored_shares"], 1);

  auto stored_keys = node.Get("core/hsm/barrier-unseal-keys");
  ASSERT_TRUE(stored_keys.has_value());
  auto blob = snapshot::ParseBlobInfo(*stored_keys);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  EXPECT_FALSE(blob->wrapped);
  auto root_key = barrier::OpenStoredKeys(init->keys[0], *stored_keys);
  ASSERT_TRUE(root_key.ok()) << root_key.status().ToString();
  auto keyring_value = node.Get("core/keyring");
  ASSERT_TRUE(keyring_value.has_value());
  EXPECT_TRUE(barrier::OpenKeyring(root_key.value(), *keyring_value).ok());

  const std::string kBarrierPrefix("\x00\x00\x00\x01\x02", 5);
  for (const char* key :
       {"core/keyring", "core/shamir-kek", "core/mounts", "core/auth",
        "core/cluster/local/info", "sys/policy/default", "sys/token/salt"}) {
    auto v = node.Get(key);
    ASSERT_TRUE(v.has_value()) << key;
    EXPECT_EQ(v->substr(0, 5), kBarrierPrefix) << key;
    EXPECT_GE(v->size(), barrier::kValueOverhead) << key;
  }

  auto tokens = node.store().List("sys/token/");
  ASSERT_TRUE(tokens.ok());
  EXPECT_EQ(tokens.value(),
            (std::vector<std::string>{"accessor/", "id/", "salt"}));
  auto ids = node.store().List("sys/token/id/");
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 1u);
  EXPECT_EQ(node.Get("sys/token/id/" + ids->front())->substr(0, 5),
            kBarrierPrefix);

  // Unsealing adds the HA lock; the root token and the raw KEK still
  // appear nowhere in storage.
  ASSERT_FALSE(node.UnsealWith(init->keys)->sealed);
  EXPECT_TRUE(node.Get("core/lock").has_value());
  Pairs pairs = node.StoredPairs();
  EXPECT_GE(pairs.size(), 11u);
  for (const auto& [k, v] : pairs) {
    EXPECT_EQ(k.find(init->root_token), std::string::npos) << k;
    EXPECT_EQ(v.find(init->root_token), std::string::npos) << k;
    EXPECT_EQ(v.find(init->keys[0]), std::string::npos) << k;
    if (k != "core/seal-config" && k != "core/hsm/barrier-unseal-keys" &&
        k != "core/lock") {
      EXPECT_EQ(v.substr(0, 5), kBarrierPrefix) << k;
    }
  }
  std::string archive = node.Archive();
  EXPECT_FALSE(archive.empty());
}

TEST(CoreRestoreTest, AnotherClustersArchiveSealsAndItsKeysUnseal) {
  Node a("node-a");
  auto a_init = a.core().Init(3, 2);
  ASSERT_TRUE(a_init.ok());
  ASSERT_FALSE(a.UnsealWith(a_init->keys)->sealed);
  std::string a_cluster = a.core().GetSealStatus().cluster_id;

  Node b("node-b");
  auto b_init = b.core().Init(5, 3);
  ASSERT_TRUE(b_init.ok());
  auto b_unsealed = b.UnsealWith(b_init->keys);
  ASSERT_FALSE(b_unsealed->sealed);
  std::string b_cluster = b_unsealed->cluster_id;
  ASSERT_NE(a_cluster, b_cluster);
  std::string archive = b.Archive();

  // A's KEK does not open B's sealed hashes: only a forced restore stages.
  std::string a_kek(a.core().Begin().kek());
  {
    MemorySource src(archive);
    auto refused = StageRestore(a.store(), src, a_kek, /*force=*/false);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(refused.status().message(), kSealedHashesMismatch);
    EXPECT_FALSE(a.core().sealed());
  }
  MemorySource src(archive);
  auto staged = StageRestore(a.store(), src, a_kek, /*force=*/true);
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  a.core().CommitRestoreAsync(std::move(staged).value());
  a.core().WaitForRestore();

  EXPECT_TRUE(a.core().sealed());
  SealStatus st = a.core().GetSealStatus();
  EXPECT_TRUE(st.initialized);
  EXPECT_TRUE(st.sealed);
  EXPECT_EQ(st.t, 3);
  EXPECT_EQ(st.n, 5);
  EXPECT_EQ(st.progress, 0);
  EXPECT_EQ(a.core().Begin().kek(), "");
  // The raft configuration stays the target's.
  ASSERT_EQ(a.store().configuration().servers.size(), 1u);
  EXPECT_EQ(a.store().configuration().servers[0].id, "node-a");

  // A's own keys no longer open anything. B's threshold (3) now applies:
  // A's three shares combine to A's KEK, which opens nothing here.
  auto two = a.UnsealWith({a_init->keys[0], a_init->keys[1]});
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_TRUE(two->sealed);
  EXPECT_EQ(two->progress, 2);
  auto wrong = a.core().Unseal(a_init->keys[2]);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(), "Unseal failed, invalid key");
  EXPECT_TRUE(a.core().sealed());

  auto u = a.UnsealWith(b_init->keys);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_FALSE(u->sealed);
  EXPECT_EQ(u->cluster_id, b_cluster);
  auto b_root = Lookup(a.core(), b_init->root_token);
  ASSERT_TRUE(b_root.has_value());
  EXPECT_EQ(b_root->policies, std::vector<std::string>{"root"});
  EXPECT_FALSE(Lookup(a.core(), a_init->root_token).has_value());

  // After a restart B's data is still what A holds.
  a.Reopen();
  EXPECT_EQ(a.core().GetSealStatus().n, 5);
  auto again =
      a.UnsealWith({b_init->keys[3], b_init->keys[1], b_init->keys[4]});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->sealed);
  EXPECT_EQ(again->cluster_id, b_cluster);
  EXPECT_TRUE(Lookup(a.core(), b_init->root_token).has_value());
}

TEST(CoreRestoreTest, SameClusterRestoreStaysUnsealed) {
  Node a("node-a");
  auto init = a.core().Init(3, 2);
  ASSERT_TRUE(init.ok());
  ASSERT_FALSE(a.UnsealWith(init->keys)->sealed);
  std::string cluster_id = a.core().GetSealStatus().cluster_id;
  std::string archive = a.Archive();

  // A change after the snapshot, which the restore must roll back.
  {
    auto access = a.core().Begin();
    MountEntry m;
    m.path = "later/";
    m.type = "kv";
    m.options = {{"version", "2"}};
    ASSERT_TRUE(access.EnableMount(m).ok());
    ASSERT_NE(access.mounts().Find("later/"), nullptr);
  }
  uint64_t before = a.store().applied_index();

  std::string kek(a.core().Begin().kek());
  MemorySource src(archive);
  auto staged = StageRestore(a.store(), src, kek, /*force=*/false);
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  a.core().CommitRestoreAsync(std::move(staged).value());
  a.core().WaitForRestore();

  EXPECT_FALSE(a.core().sealed());
  SealStatus st = a.core().GetSealStatus();
  EXPECT_FALSE(st.sealed);
  EXPECT_EQ(st.cluster_id, cluster_id);
  EXPECT_GT(a.store().applied_index(), before);
  auto access = a.core().Begin();
  EXPECT_EQ(access.kek(), kek);
  EXPECT_EQ(access.mounts().Find("later/"), nullptr);
  auto root = access.LookupToken(init->root_token);
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_TRUE(root->has_value());
}

}  // namespace
}  // namespace vk::minivault
