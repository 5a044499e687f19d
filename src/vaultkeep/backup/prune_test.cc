// Prune removes what no snapshot needs and nothing else, and a failure at
// any store leaves a repository that checks clean and restores.
#include "vaultkeep/backup/prune.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "vaultkeep/backup/check.h"
#include "vaultkeep/backup/forget.h"
#include "vaultkeep/testing/damaged_storage.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::backup {
namespace {

using testing::Keys;

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class PruneTest : public testing::MemRepoTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(MemRepoTest::SetUp());
    auto a = testing::Import(*repo_, archive_a_);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    a_ = a->snapshot_id;
    packs_a_ = Keys(*mem_, "data/");
    auto b = testing::Import(*repo_, archive_b_, "2026-11-02T00:00:00Z");
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    b_ = b->snapshot_id;
    for (const std::string& k : Keys(*mem_, "data/")) {
      if (!Contains(packs_a_, k)) packs_b_.push_back(k);
    }
    ASSERT_FALSE(packs_b_.empty());
  }
  std::unique_ptr<repo::Repository> Open(storage::Storage& storage) {
    auto r = testing::OpenRepo(storage);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return std::move(*r);
  }
  Result<PruneReport> PruneThrough(storage::Storage& storage,
                                   PruneOptions options = {}) {
    return Prune(*Open(storage), options);
  }
  void Forget(const std::string& id) {
    ASSERT_TRUE(RemoveSnapshots(*Open(*mem_), {id}).ok());
  }
  // The repository checks clean (warnings allowed: a failed prune may
  // leave unreferenced packs) and the kept snapshot restores exactly.
  void ExpectConsistent(const std::string& archive, const std::string& id) {
    auto report = CheckRepository(*Open(*mem_), {.read_data = true});
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok()) << report->errors.front();
    auto dumped = testing::Dump(*Open(*mem_), id);
    ASSERT_TRUE(dumped.ok()) << dumped.status().ToString();
    EXPECT_TRUE(testing::Untar(*dumped) == testing::Untar(archive));
  }

  // Two archives that share nothing: each import writes its own packs.
  const std::string archive_a_ = testing::MakeArchive({.seed = 1});
  const std::string archive_b_ = testing::MakeArchive({.seed = 2});
  std::string a_, b_;
  std::vector<std::string> packs_a_, packs_b_;
};

TEST_F(PruneTest, DeletesThePacksOfAForgottenSnapshotOnly) {
  Forget(b_);
  auto report = PruneThrough(*mem_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::vector<std::string> after = Keys(*mem_, "data/");
  for (const std::string& k : packs_a_) EXPECT_TRUE(Contains(after, k)) << k;
  for (const std::string& k : packs_b_) EXPECT_FALSE(Contains(after, k)) << k;
  EXPECT_EQ(report->packs_deleted, packs_b_.size());
  EXPECT_EQ(report->packs_repacked, 0u);
  EXPECT_EQ(report->packs_written, 0u);
  EXPECT_EQ(report->packs_total, packs_a_.size() + packs_b_.size());
  EXPECT_GT(report->bytes_freed, 0u);
  ExpectConsistent(archive_a_, a_);
  auto check = CheckRepository(*Open(*mem_), {});
  EXPECT_TRUE(check->warnings.empty());
}

TEST_F(PruneTest, WithEverySnapshotKeptNoPackGoes) {
  auto report = PruneThrough(*mem_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->packs_deleted, 0u);
  EXPECT_EQ(report->blobs_removed, 0u);
  EXPECT_EQ(Keys(*mem_, "data/").size(), packs_a_.size() + packs_b_.size());
  ExpectConsistent(archive_a_, a_);
  ExpectConsistent(archive_b_, b_);
}

TEST_F(PruneTest, DeletesAPackNoIndexNames) {
  std::string orphan = "data/ab/ab" + std::string(62, '0');
  ASSERT_TRUE(mem_->Put(orphan, AsBytes(std::string("left by a crash"))).ok());
  auto report = PruneThrough(*mem_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->packs_deleted, 1u);
  EXPECT_FALSE(Contains(Keys(*mem_, "data/"), orphan));
}

TEST_F(PruneTest, DryRunReportsAndChangesNothing) {
  Forget(b_);
  std::vector<std::string> data = Keys(*mem_, "data/");
  std::vector<std::string> index = Keys(*mem_, "index/");
  auto dry = PruneThrough(*mem_, {.dry_run = true});
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(Keys(*mem_, "data/"), data);
  EXPECT_EQ(Keys(*mem_, "index/"), index);
  auto real = PruneThrough(*mem_);
  ASSERT_TRUE(real.ok());
  EXPECT_EQ(dry->packs_deleted, real->packs_deleted);
  EXPECT_EQ(dry->blobs_removed, real->blobs_removed);
  EXPECT_EQ(dry->bytes_freed, real->bytes_freed);
}

TEST_F(PruneTest, AnUnreadableSnapshotStopsPruneBeforeAnyChange) {
  Forget(b_);
  ASSERT_TRUE(
      testing::FlipStoredByte(*mem_, Keys(*mem_, "snapshots/")[0], 30).ok());
  std::vector<std::string> data = Keys(*mem_, "data/");
  auto report = PruneThrough(*mem_);
  EXPECT_EQ(report.status().code(), StatusCode::kCorruption);
  EXPECT_NE(report.status().message().find("prune refused"), std::string::npos);
  EXPECT_EQ(Keys(*mem_, "data/"), data);
}

// Archives that share their first records: once the older is forgotten,
// its small files (meta.json, SHA256SUMS, ...) are unused beside state.bin
// chunks the newer one needs. Packs big enough for a whole import put them
// in one pack whatever the chunk boundaries (the chunker is keyed by the
// repository's random master key), and a threshold of 0 repacks any pack
// with an unused blob, so prune always repacks that pack.
class RepackTest : public PruneTest {
 protected:
  RepackTest() { pack_size_ = 16 << 20; }
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(MemRepoTest::SetUp());
    auto old_one = testing::Import(*repo_, archive_a_);
    ASSERT_TRUE(old_one.ok());
    auto new_one = testing::Import(*repo_, archive_c_, "2026-11-02T00:00:00Z");
    ASSERT_TRUE(new_one.ok());
    c_ = new_one->snapshot_id;
    Forget(old_one->snapshot_id);
  }
  Result<PruneReport> Repack(storage::Storage& storage) {
    return PruneThrough(storage, {.repack_threshold = 0});
  }
  const std::string archive_c_ = testing::MakeArchive({.records = 60});
  std::string c_;
};

TEST_F(RepackTest, RepacksPartlyUsedPacksAndKeepsWhatIsUsed) {
  auto report = Repack(*mem_);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_GE(report->packs_repacked, 1u);
  EXPECT_GE(report->packs_written, 1u);
  EXPECT_GT(report->blobs_removed, 0u);
  ExpectConsistent(archive_c_, c_);
  auto check = CheckRepository(*Open(*mem_), {});
  EXPECT_TRUE(check->warnings.empty());
  // Nothing is left to prune.
  auto again = Repack(*mem_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->packs_deleted + again->packs_repacked, 0u);
}

TEST_F(RepackTest, AFailedPutAtAnyStepLeavesTheRepositoryConsistent) {
  struct Step {
    std::string prefix;
    testing::PutFailure how;
  } steps[] = {
      {"data/", testing::PutFailure::kNothingStored},   // the new pack
      {"index/", testing::PutFailure::kNothingStored},  // the new index
      {"index/", testing::PutFailure::kStoredAnyway},   // its answer lost
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.prefix);
    testing::FailingPutStorage failing(*mem_, {.prefix = step.prefix, .nth = 1},
                                       step.how);
    EXPECT_FALSE(Repack(failing).ok());
    EXPECT_EQ(failing.hits(), 1);
    ExpectConsistent(archive_c_, c_);
  }
  auto report = Repack(*mem_);  // a later prune finishes the job
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ExpectConsistent(archive_c_, c_);
  auto check = CheckRepository(*Open(*mem_), {});
  EXPECT_TRUE(check->warnings.empty());
}

TEST_F(RepackTest, AShortPackStopsTheRepackBeforeAnyIndexChanges) {
  std::vector<std::string> index = Keys(*mem_, "index/");
  std::vector<std::string> data = Keys(*mem_, "data/");
  // Reads 1-3 load snapshot C's trees (root, vault/, archive/); read 4 is
  // the first pack to repack, cut short.
  testing::TruncatingStorage cut(*mem_, {.prefix = "data/", .nth = 4});
  auto report = Repack(cut);
  EXPECT_EQ(report.status().code(), StatusCode::kCorruption);
  EXPECT_NE(report.status().message().find("shorter than its index says"),
            std::string::npos)
      << report.status().ToString();
  EXPECT_EQ(cut.hits(), 1);
  EXPECT_EQ(Keys(*mem_, "index/"), index);
  for (const std::string& k : data) {
    EXPECT_TRUE(Contains(Keys(*mem_, "data/"), k)) << k;
  }
}

}  // namespace
}  // namespace vk::backup
