// CheckRepository names each kind of damage, typed (CheckProblem), and
// reports unreferenced data as a warning only.
#include "vaultkeep/backup/check.h"

#include <gtest/gtest.h>

#include "kit/crypto/sha256.h"
#include "vaultkeep/repo/index.h"
#include "vaultkeep/repo/pack.h"
#include "vaultkeep/testing/damaged_storage.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::backup {
namespace {

using testing::Keys;

class CheckTest : public testing::MemRepoTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(MemRepoTest::SetUp());
    ASSERT_TRUE(testing::Import(*repo_, testing::MakeArchive()).ok());
    ASSERT_TRUE(testing::Import(*repo_, testing::MakeArchive({.seed = 2}),
                                "2026-11-02T00:00:00Z")
                    .ok());
  }
  // Checks what is stored, read through `storage` (default: as stored).
  CheckReport Check(bool read_data = true,
                    storage::Storage* storage = nullptr) {
    // Not testing::OpenRepo: check loads the index files itself, and a
    // damaged one must not stop it.
    auto repo = repo::Repository::Open(
        testing::Borrow(storage ? *storage : *mem_), testing::kTestPassword);
    EXPECT_TRUE(repo.ok()) << repo.status().ToString();
    auto report = CheckRepository(**repo, {.read_data = read_data});
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->errors.size(), report->error_kinds.size());
    return *report;
  }
  static std::string Errors(const CheckReport& r) {
    std::string all;
    for (const std::string& e : r.errors) all += e + "\n";
    return all;
  }
  // The ID of a pack holding only data blobs of state.bin.
  std::string DataPack() {
    for (const repo::IndexEntry& e : repo_->index().Entries()) {
      if (e.blob.type == repo::BlobType::kData) return e.pack_id;
    }
    return "";
  }
};

TEST_F(CheckTest, CleanRepositoryPassesAndCountsWhatItRead) {
  CheckReport r = Check();
  EXPECT_TRUE(r.ok()) << Errors(r);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(r.snapshots, 2u);
  EXPECT_EQ(r.key_files, 1u);
  EXPECT_EQ(r.packs, Keys(*mem_, "data/").size());
  EXPECT_EQ(r.index_files, Keys(*mem_, "index/").size());
  EXPECT_EQ(r.blobs, repo_->index().size());
  EXPECT_EQ(r.blobs_read, r.blobs);
  EXPECT_GT(r.trees, 4u);
}

TEST_F(CheckTest, ByteFlippedOnReadOfAPackIsPackData) {
  std::string pack = repo::PackKey(DataPack());
  // Byte 0 is in the first blob, not the header: only read_data sees it.
  testing::CorruptingStorage flip(*mem_, {.prefix = pack});
  EXPECT_TRUE(Check(false, &flip).ok());
  CheckReport r = Check(true, &flip);
  EXPECT_EQ(r.Count(CheckProblem::kPackData), 2u) << Errors(r);  // blob, hash
  ASSERT_EQ(r.errors.size(), 2u) << Errors(r);
  EXPECT_NE(r.errors[0].find(DataPack()), std::string::npos);
}

TEST_F(CheckTest, DamagedPackHeaderIsPackHeader) {
  std::string pack = repo::PackKey(DataPack());
  auto size = mem_->Stat(pack);
  ASSERT_TRUE(size.ok());
  ASSERT_TRUE(testing::FlipStoredByte(*mem_, pack, size->size - 10).ok());
  CheckReport r = Check(false);
  EXPECT_EQ(r.Count(CheckProblem::kPackHeader), 1u) << Errors(r);
}

TEST_F(CheckTest, MissingPackIsPackMissing) {
  std::string id = DataPack();
  ASSERT_TRUE(mem_->Remove(repo::PackKey(id)).ok());
  CheckReport r = Check();
  ASSERT_EQ(r.Count(CheckProblem::kPackMissing), 1u) << Errors(r);
  EXPECT_NE(Errors(r).find("pack " + id + " is referenced by index/"),
            std::string::npos)
      << Errors(r);
}

TEST_F(CheckTest, IndexNamingABlobThePackLacksIsPackMismatch) {
  std::string id = DataPack();
  std::vector<repo::PackedBlob> blobs;
  for (const repo::IndexEntry& e : repo_->index().Entries()) {
    if (e.pack_id == id) blobs.push_back(e.blob);
  }
  repo::PackedBlob ghost = blobs.back();
  ghost.id = Sha256::Of(AsBytes(std::string("not stored")));
  ghost.offset = 1 << 20;
  blobs.push_back(ghost);
  ASSERT_TRUE(
      repo_->SaveUnpacked(repo::kIndexDir, repo::Index::Encode({{id, blobs}}))
          .ok());
  CheckReport r = Check(false);
  EXPECT_GE(r.Count(CheckProblem::kPackMismatch), 1u) << Errors(r);
  EXPECT_NE(Errors(r).find("the index lists data blob " + HexEncode(ghost.id)),
            std::string::npos)
      << Errors(r);
}

TEST_F(CheckTest, SnapshotNamingAnUnindexedBlobIsBlobMissing) {
  Sha256Digest ghost = Sha256::Of(AsBytes(std::string("never saved")));
  ASSERT_TRUE(
      testing::SaveSnapshotOf(*repo_, {repo::FileNode("lost", 11, {ghost})})
          .ok());
  CheckReport r = Check(false);
  EXPECT_EQ(r.Count(CheckProblem::kBlobMissing), 1u) << Errors(r);
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_NE(r.errors[0].find(HexEncode(ghost)), std::string::npos);
}

TEST_F(CheckTest, DamagedUnpackedFilesAreTypedAndTheRestIsStillChecked) {
  std::vector<std::string> snaps = Keys(*mem_, "snapshots/");
  ASSERT_TRUE(testing::FlipStoredByte(*mem_, snaps[0], 20).ok());
  std::string not_a_key = "{\"kdf\":\"none\"}";
  ASSERT_TRUE(mem_->Put("keys/" + HexEncode(Sha256::Of(AsBytes(not_a_key))),
                        AsBytes(not_a_key))
                  .ok());
  CheckReport r = Check(false);
  EXPECT_EQ(r.Count(CheckProblem::kSnapshotFile), 1u) << Errors(r);
  EXPECT_EQ(r.Count(CheckProblem::kKeyFile), 1u) << Errors(r);
  EXPECT_EQ(r.errors.size(), 2u) << Errors(r);
  EXPECT_EQ(r.key_files, 2u);
  EXPECT_EQ(r.snapshots, 2u);
  EXPECT_GT(r.trees, 0u);  // the other snapshot was walked
}

TEST_F(CheckTest, DamagedIndexFileIsIndexFile) {
  // After a second index file, damage the first: its packs lose their
  // index, so they are unreferenced and the trees in them go missing.
  std::vector<std::string> index = Keys(*mem_, "index/");
  ASSERT_TRUE(testing::FlipStoredByte(*mem_, index[0], 40).ok());
  CheckReport r = Check(false);
  ASSERT_EQ(r.Count(CheckProblem::kIndexFile), 1u) << Errors(r);
  EXPECT_NE(r.errors[0].find(index[0]), std::string::npos);
  EXPECT_FALSE(r.warnings.empty());  // its packs are now unreferenced
}

TEST_F(CheckTest, BadNamesAndUnreferencedPacks) {
  std::string orphan = "data/ab/ab" + std::string(62, '0');
  ASSERT_TRUE(mem_->Put(orphan, AsBytes(std::string("junk"))).ok());
  CheckReport r = Check(false);
  EXPECT_TRUE(r.ok()) << Errors(r);  // unreferenced: a warning, prune's job
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find(orphan.substr(8)), std::string::npos);

  ASSERT_TRUE(mem_->Put("data/zz", AsBytes(std::string("x"))).ok());
  ASSERT_TRUE(mem_->Put("snapshots/nothex", AsBytes(std::string("x"))).ok());
  ASSERT_TRUE(mem_->Put("index/nothex", AsBytes(std::string("x"))).ok());
  r = Check(false);
  EXPECT_EQ(r.Count(CheckProblem::kBadName), 3u) << Errors(r);
  EXPECT_EQ(r.errors.size(), 3u) << Errors(r);
}

}  // namespace
}  // namespace vk::backup
