// The catalog: snapshots in time order, "latest" and prefixes, damaged
// snapshot files skipped and named; and stats, which counts what it can
// read and notes the rest.
#include "vaultkeep/backup/catalog.h"

#include <gtest/gtest.h>

#include "vaultkeep/backup/stats.h"
#include "vaultkeep/testing/damaged_storage.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::backup {
namespace {

class CatalogTest : public testing::MemRepoTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(MemRepoTest::SetUp());
    // Imported out of time order: the catalog sorts by time.
    newer_ = Backup("2026-11-03T00:00:00Z");
    older_ = Backup("2026-11-01T00:00:00+02:00");
  }
  std::string Backup(std::string time, std::vector<std::string> tags = {}) {
    auto r =
        testing::Import(*repo_, archive_, std::move(time), std::move(tags));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->snapshot_id : "";
  }
  Status Damage(const std::string& id) {
    return testing::FlipStoredByte(*mem_, "snapshots/" + id, 30);
  }

  const std::string archive_ = testing::MakeArchive();
  std::string newer_, older_;
};

TEST_F(CatalogTest, ListsOldestFirstWithTheRecordedZone) {
  auto all = ListSnapshots(*repo_);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, older_);
  EXPECT_EQ((*all)[0].utc_offset_seconds, 7200);
  EXPECT_EQ((*all)[1].id, newer_);
}

TEST_F(CatalogTest, FindsLatestAndUniquePrefixes) {
  auto latest = FindSnapshot(*repo_, "latest");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->id, newer_);
  auto by_prefix = FindSnapshot(*repo_, older_.substr(0, 6));
  ASSERT_TRUE(by_prefix.ok());
  EXPECT_EQ(by_prefix->id, older_);
  EXPECT_EQ(FindSnapshot(*repo_, "zz").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CatalogTest, LatestPassesOverBackupsWhoseKeysCannotUnsealThem) {
  std::string tagged = Backup("2026-11-05T00:00:00Z", {kKeysUnusableTag});
  FindNotes notes;
  auto latest = FindSnapshot(*repo_, "latest", &notes);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->id, newer_);
  ASSERT_EQ(notes.lines.size(), 1u);
  EXPECT_NE(notes.lines[0].find(tagged.substr(0, 8)), std::string::npos);
  EXPECT_EQ(FindSnapshot(*repo_, tagged)->id, tagged);  // by ID: used
}

TEST_F(CatalogTest, DamagedSnapshotFilesAreSkippedAndNamed) {
  ASSERT_TRUE(Damage(newer_).ok());
  // Prune's view: an error naming the file.
  auto strict = ListSnapshots(*repo_);
  EXPECT_EQ(strict.status().code(), StatusCode::kCorruption);
  EXPECT_NE(strict.status().message().find(newer_), std::string::npos);
  // Everyone else's: skipped, collected.
  std::vector<UnreadableSnapshot> bad;
  auto lenient = ListSnapshots(*repo_, &bad);
  ASSERT_TRUE(lenient.ok());
  ASSERT_EQ(lenient->size(), 1u);
  EXPECT_EQ((*lenient)[0].id, older_);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].id, newer_);
  // "latest" falls back to the older one, and says why.
  FindNotes notes;
  auto latest = FindSnapshot(*repo_, "latest", &notes);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->id, older_);
  ASSERT_EQ(notes.lines.size(), 1u);
  EXPECT_NE(notes.lines[0].find(newer_), std::string::npos);
  // Naming the damaged one is an error, not a silent substitute.
  EXPECT_EQ(FindSnapshot(*repo_, newer_.substr(0, 8)).status().code(),
            StatusCode::kCorruption);
  ASSERT_TRUE(Damage(older_).ok());
  EXPECT_EQ(FindSnapshot(*repo_, "latest").status().code(),
            StatusCode::kCorruption);
}

TEST_F(CatalogTest, AFailingStoreIsAnErrorNotADamagedFile) {
  testing::StallingStorage failing(*mem_, testing::StallOp::kGet,
                                   {.prefix = "snapshots/"});
  failing.Release(Unavailable("connection reset"));
  auto repo =
      repo::Repository::Open(testing::Borrow(failing), testing::kTestPassword);
  ASSERT_TRUE(repo.ok());
  std::vector<UnreadableSnapshot> bad;
  auto got = ListSnapshots(**repo, &bad);
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(bad.empty());
}

TEST_F(CatalogTest, OpensTheVaultBackupOfASnapshot) {
  auto snap = FindSnapshot(*repo_, newer_);
  ASSERT_TRUE(snap.ok());
  auto b = OpenVaultBackup(*repo_, *snap);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->layout, BackupLayout::kVaultkeep);
  EXPECT_EQ(b->manifest.records, 48u);
  EXPECT_NE(FindNode(b->archive, "state.bin"), nullptr);
  // A snapshot of something else holds no Vault backup.
  auto other = testing::SaveSnapshotOf(*repo_, {repo::FileNode("x", 0, {})});
  ASSERT_TRUE(other.ok());
  auto entry = FindSnapshot(*repo_, *other);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(OpenVaultBackup(*repo_, *entry).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(CatalogTest, StatsCountReadableBackupsAndNoteTheRest) {
  auto stats = ComputeStats(*repo_);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->snapshots, 2u);
  EXPECT_EQ(stats->vault_snapshots, 2u);
  auto backup = OpenVaultBackup(*repo_, *FindSnapshot(*repo_, newer_));
  ASSERT_TRUE(backup.ok());
  uint64_t tar_entries = 0;
  for (const auto& e : backup->manifest.entries) tar_entries += e.size;
  EXPECT_EQ(stats->raw_bytes, 2 * tar_entries);
  EXPECT_EQ(stats->packs, testing::Keys(*mem_, "data/").size());
  EXPECT_GT(stats->dedup_ratio, 1.5);  // the same archive twice
  EXPECT_TRUE(stats->notes.empty());

  ASSERT_TRUE(Damage(older_).ok());
  stats = ComputeStats(*repo_);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->vault_snapshots, 1u);
  ASSERT_EQ(stats->notes.size(), 1u);
  EXPECT_NE(stats->notes[0].find(older_), std::string::npos);
}

}  // namespace
}  // namespace vk::backup
