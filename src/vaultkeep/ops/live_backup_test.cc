// LiveBackup against a stateful fake Vault node, into an in-memory
// repository, on a fake clock.
#include "vaultkeep/ops/live_backup.h"

#include <gtest/gtest.h>

#include <atomic>

#include "kit/base/time.h"
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

using vault::testing::FakeVaultNode;
using vault::testing::NodeState;
using vk::testing::OpsFixture;

constexpr char kToken[] = "s.backup-token";

class LiveBackupTest : public ::testing::Test, public OpsFixture {
 protected:
  NodeState Active(const std::string& archive) {
    NodeState s;
    s.tokens = {kToken};
    s.snapshot = archive;
    s.raft_index = 40;
    return s;
  }
  LiveBackupOptions Options(const FakeVaultNode& node) {
    LiveBackupOptions o;
    o.addrs = {node.addr()};
    o.attempts = 3;
    o.import.time = "2026-11-30T10:00:00Z";
    o.import.hostname = "test";
    o.import.threads = 1;
    return o;
  }
  size_t Snapshots() {
    auto all = backup::ListSnapshots(*repo);
    EXPECT_TRUE(all.ok());
    return all.ok() ? all->size() : 0;
  }
};

TEST_F(LiveBackupTest, RecordsWhatTheActiveNodeStreamed) {
  const std::string archive = Archive(45);
  FakeVaultNode node(Active(archive));
  auto client = NewClient(kToken);
  auto r = LiveBackup(*client, *repo, Options(node));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 1);
  EXPECT_EQ(r->leader, node.addr());
  EXPECT_EQ(r->import.manifest.cluster.cluster_id, "cluster-a");
  EXPECT_EQ(r->import.manifest.cluster.leader_index, 40u);
  EXPECT_EQ(r->import.manifest.cluster.peers,
            std::vector<std::string>{"node-0"});
  EXPECT_EQ(node.http().seen("sys/storage/raft/snapshot").token, kToken);
  Result<std::string> dumped = vk::testing::Dump(*repo, r->import.snapshot_id);
  ASSERT_TRUE(dumped.ok()) << dumped.status().ToString();
  EXPECT_EQ(vk::testing::Untar(*dumped), vk::testing::Untar(archive));
  // The times recorded come from the clock the client runs on.
  EXPECT_EQ(r->import.manifest.timings.started, FormatRfc3339(clock.WallNow()));
}

// A node that became a standby answers the snapshot with a redirect; the
// backup looks for the leader again and retries (the StandbyRedirect
// detail, not the message text, says so).
TEST_F(LiveBackupTest, AStandbyRedirectIsRetried) {
  const std::string archive = Archive(45);
  FakeVaultNode node(Active(archive));
  std::atomic<int> calls{0};
  node.http().On("sys/storage/raft/snapshot",
                 [&](httpd::Request&, httpd::ResponseWriter& w) {
                   if (++calls == 1) {
                     w.SetHeader("Location", "http://10.9.9.9:8200/v1/x");
                     return w.Send(307, "");
                   }
                   w.Send(200, archive);
                 });
  auto client = NewClient(kToken);
  auto r = LiveBackup(*client, *repo, Options(node));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(Snapshots(), 1u);
}

TEST_F(LiveBackupTest, AStaleSnapshotIsNeverRecorded) {
  FakeVaultNode node(Active(Archive(30)));  // older than index 40
  auto client = NewClient(kToken);
  auto r = LiveBackup(*client, *repo, Options(node));
  EXPECT_EQ(r.status().code(), StatusCode::kAborted);
  EXPECT_NE(r.status().message().find("older than the leader's committed "
                                      "index 40"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(node.http().calls("sys/storage/raft/snapshot"), 3);
  EXPECT_EQ(Snapshots(), 0u);
}

TEST_F(LiveBackupTest, AForbiddenSnapshotIsNotRetried) {
  NodeState s = Active(Archive(45));
  FakeVaultNode node(s);
  node.http().Json("sys/storage/raft/snapshot", 403,
                   R"({"errors":["permission denied"]})");
  auto client = NewClient(kToken);
  auto r = LiveBackup(*client, *repo, Options(node));
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(node.http().calls("sys/storage/raft/snapshot"), 1);
  EXPECT_EQ(Snapshots(), 0u);
}

// The agent's shutdown: a stop asked for while the snapshot streams ends
// the backup at once, records nothing and is not retried.
TEST_F(LiveBackupTest, AStopWhileStreamingRecordsNothing) {
  FakeVaultNode node(Active(Archive(45)));
  std::atomic<bool> stop{false};
  const std::string archive = Archive(45);
  node.http().On("sys/storage/raft/snapshot",
                 [&](httpd::Request&, httpd::ResponseWriter& w) {
                   (void)w.Write(AsBytes(archive).subspan(0, 1000));
                   stop = true;
                   (void)w.Write(AsBytes(archive).subspan(1000));
                 });
  LiveBackupOptions o = Options(node);
  o.cancelled = [&] { return stop.load(); };
  auto client = NewClient(kToken);
  auto r = LiveBackup(*client, *repo, o);
  EXPECT_EQ(r.status().code(), StatusCode::kAborted) << r.status().ToString();
  EXPECT_EQ(node.http().calls("sys/storage/raft/snapshot"), 1);
  EXPECT_EQ(Snapshots(), 0u);
  // Asked before the first attempt: nothing is even requested.
  auto again = LiveBackup(*client, *repo, o);
  EXPECT_EQ(again.status().code(), StatusCode::kAborted);
  EXPECT_EQ(node.http().calls("sys/storage/raft/snapshot"), 1);
}

}  // namespace
}  // namespace vk::ops
