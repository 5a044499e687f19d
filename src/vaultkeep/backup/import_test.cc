// ImportArchive and DumpArchive over an in-memory repository: what is
// stored comes back byte for byte, is stored once, and a failed import
// records nothing.
#include "vaultkeep/backup/import.h"

#include <gtest/gtest.h>

#include <thread>

#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/backup/check.h"
#include "vaultkeep/testing/damaged_storage.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::backup {
namespace {

using testing::Keys;

class ImportTest : public testing::MemRepoTest {
 protected:
  // A fresh Repository on the same objects, through `storage`.
  std::unique_ptr<repo::Repository> Reopen(storage::Storage& storage) {
    auto r = testing::OpenRepo(storage);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : nullptr;
  }
  CheckReport Check(storage::Storage& storage) {
    auto report = CheckRepository(*Reopen(storage), {.read_data = true});
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return *report;
  }

  const std::string archive_ = testing::MakeArchive();
};

TEST_F(ImportTest, DumpReturnsTheArchiveByteForByte) {
  auto imported = testing::Import(*repo_, archive_);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_GE(imported->state.chunks, 3u);       // blobs of 16 KiB at most...
  EXPECT_GT(Keys(*mem_, "data/").size(), 1u);  // ...in several packs
  EXPECT_EQ(imported->manifest.records, 48u);
  EXPECT_EQ(imported->manifest.index, 42u);

  auto dumped = testing::Dump(*Reopen(*mem_), imported->snapshot_id);
  ASSERT_TRUE(dumped.ok()) << dumped.status().ToString();
  // Vault's tar, entry for entry and byte for byte (the gzip framing
  // around it is dump's own).
  EXPECT_EQ(dumped->size(), archive_.size());
  EXPECT_TRUE(testing::Untar(*dumped) == testing::Untar(archive_))
      << "the dumped tar differs from the imported one";
  EXPECT_TRUE(Check(*mem_).ok());
}

TEST_F(ImportTest, SecondImportOfTheSameArchiveAddsNoPack) {
  ASSERT_TRUE(testing::Import(*repo_, archive_).ok());
  std::vector<std::string> packs = Keys(*mem_, "data/");
  auto again = testing::Import(*repo_, archive_, "2026-11-02T00:00:00Z");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->state.new_chunks, 0u);
  EXPECT_EQ(again->added_bytes, 0u);
  EXPECT_EQ(Keys(*mem_, "data/"), packs);
  EXPECT_EQ(Keys(*mem_, "snapshots/").size(), 2u);
  // Another archive shares nothing and adds packs.
  ASSERT_TRUE(testing::Import(*repo_, testing::MakeArchive({.seed = 2})).ok());
  EXPECT_GT(Keys(*mem_, "data/").size(), packs.size());
}

TEST_F(ImportTest, DamagedArchiveRecordsNothing) {
  std::string bad = archive_;
  bad[bad.size() / 2] ^= 0x01;  // inside state.bin: SHA256SUMS fails
  auto imported = testing::Import(*repo_, bad);
  EXPECT_EQ(imported.status().code(), StatusCode::kCorruption)
      << imported.status().ToString();
  EXPECT_TRUE(Keys(*mem_, "snapshots/").empty());
  EXPECT_TRUE(Keys(*mem_, "index/").empty());
  EXPECT_TRUE(Keys(*mem_, "data/").empty());  // its packs were removed
}

TEST_F(ImportTest, FailedPackPutRecordsNothingAndLeavesACleanRepository) {
  testing::FailingPutStorage failing(*mem_, {.prefix = "data/", .nth = 2});
  auto repo = Reopen(failing);
  auto imported = testing::Import(*repo, archive_);
  EXPECT_EQ(imported.status().code(), StatusCode::kUnavailable)
      << imported.status().ToString();
  EXPECT_EQ(failing.hits(), 1);
  EXPECT_TRUE(Keys(*mem_, "snapshots/").empty());
  EXPECT_TRUE(Keys(*mem_, "index/").empty());
  CheckReport report = Check(*mem_);
  EXPECT_TRUE(report.ok()) << report.errors.front();
  EXPECT_TRUE(report.warnings.empty());  // no pack left unreferenced
}

TEST_F(ImportTest, LostAnswerToTheSnapshotPutKeepsDataConsistent) {
  // The snapshot file is stored but the put reports failure: the import
  // fails, and what is stored is still a consistent repository.
  testing::FailingPutStorage lost(*mem_, {.prefix = "snapshots/"},
                                  testing::PutFailure::kStoredAnyway);
  auto repo = Reopen(lost);
  EXPECT_FALSE(testing::Import(*repo, archive_).ok());
  EXPECT_TRUE(Check(*mem_).ok());
}

TEST_F(ImportTest, RejectionBeforeCommitRecordsNothing) {
  MemorySource src(archive_);
  auto imported =
      ImportArchive(*repo_, src,
                    {.time = "2026-11-01T00:00:00Z",
                     .chunk_average = 4 << 10,
                     .before_commit = [](const snapshot::ArchiveInfo&,
                                         Manifest*, std::vector<std::string>*) {
                       return Aborted("leader changed");
                     }});
  EXPECT_EQ(imported.status().code(), StatusCode::kAborted);
  EXPECT_TRUE(Keys(*mem_, "snapshots/").empty());
  EXPECT_TRUE(Keys(*mem_, "data/").empty());
}

TEST_F(ImportTest, IndexIsStoredBeforeTheSnapshotFile) {
  // While the snapshot file's put is held, everything it will refer to is
  // already stored and indexed: a concurrent check passes and sees no
  // snapshot yet.
  testing::StallingStorage stall(*mem_, testing::StallOp::kPut,
                                 {.prefix = "snapshots/"});
  auto repo = Reopen(stall);
  Result<ImportResult> imported = Internal("not run");
  std::thread importer([&] {
    imported = testing::Import(*repo, archive_);
    stall.StopWaiting();
  });
  if (stall.WaitForStalled()) {
    CheckReport during = Check(*mem_);
    EXPECT_TRUE(during.ok());
    EXPECT_TRUE(during.warnings.empty());  // every pack is indexed
    EXPECT_EQ(during.snapshots, 0u);
    EXPECT_GE(during.index_files, 1u);
  } else {
    ADD_FAILURE() << "the import never stored a snapshot file";
  }
  stall.Release();
  importer.join();
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(Check(*mem_).snapshots, 1u);
}

TEST_F(ImportTest, DumpRefusesDamagedOrShortReads) {
  auto imported = testing::Import(*repo_, archive_);
  ASSERT_TRUE(imported.ok());
  {
    testing::CorruptingStorage flip(*mem_, {.prefix = "data/", .nth = 3}, 40);
    auto dumped = testing::Dump(*Reopen(flip), imported->snapshot_id);
    EXPECT_FALSE(dumped.ok());
    EXPECT_EQ(flip.hits(), 1);
  }
  {
    testing::TruncatingStorage cut(*mem_, {.prefix = "data/", .nth = 3}, 10);
    auto dumped = testing::Dump(*Reopen(cut), imported->snapshot_id);
    EXPECT_FALSE(dumped.ok());
    EXPECT_EQ(cut.hits(), 1);
  }
}

}  // namespace
}  // namespace vk::backup
