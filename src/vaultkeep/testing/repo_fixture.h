// Repositories and Vault archives for unit tests, all in memory: a
// repository on a storage the test keeps (so it can damage objects behind
// the repository's back and open it again), small deterministic archives,
// and import/dump with settings that cut a small archive into several
// blobs and packs.
#ifndef VAULTKEEP_TESTING_REPO_FIXTURE_H_
#define VAULTKEEP_TESTING_REPO_FIXTURE_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vaultkeep/backup/import.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/repo/tree.h"
#include "vaultkeep/storage/storage.h"

namespace vk::testing {

inline constexpr char kTestPassword[] = "test password";
// Packs this small hold a few 4 KiB chunks each, so an archive of tens of
// KiB spans several packs.
inline constexpr size_t kTestPackSize = 16 << 10;

// A new repository on `storage` (not owned; it must outlive the
// repository), with scrypt parameters cheap enough for unit tests.
Result<std::unique_ptr<repo::Repository>> InitRepo(
    storage::Storage& storage, size_t pack_size = kTestPackSize);
// The repository on `storage` opened again, its index loaded.
Result<std::unique_ptr<repo::Repository>> OpenRepo(
    storage::Storage& storage, size_t pack_size = kTestPackSize);

// Base of unit tests on a fresh in-memory repository: `mem_` holds the
// objects, `repo_` is the repository on it (packs of `pack_size_`, which a
// derived test may set in its constructor).
class MemRepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = InitRepo(*mem_, pack_size_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    repo_ = std::move(*r);
  }

  size_t pack_size_ = kTestPackSize;
  std::unique_ptr<storage::Storage> mem_ = storage::NewMemStorage();
  std::unique_ptr<repo::Repository> repo_;
};

struct ArchiveSpec {
  int records = 48;
  size_t value_size = 1000;  // pseudo-random bytes: zstd cannot shrink them
  uint64_t seed = 1;         // same spec, same bytes
  uint64_t index = 42;       // raft index in meta.json
  int64_t mtime = 1700000000;
};
// A Vault snapshot archive (.snap bytes) of records "logical/<seed>/<i>",
// with SHA256SUMS.sealed, gzip level 0 as `dump` writes by default (so
// dump returns the same bytes).
std::string MakeArchive(const ArchiveSpec& spec = {});

// The tar stream inside a .snap (gzip inflated). Two writers of the same
// tar may frame the gzip stream differently (stored-block boundaries follow
// the writes), so this, not the .snap bytes, is what a round trip keeps.
std::string Untar(std::string_view snap);

// Imports `archive` as a snapshot taken at `time` (RFC 3339), with 4 KiB
// chunks and two worker threads.
Result<backup::ImportResult> Import(repo::Repository& repo,
                                    std::string_view archive,
                                    std::string time = "2026-11-01T00:00:00Z",
                                    std::vector<std::string> tags = {});

// What `dump` writes for the snapshot `spec` ("latest", an ID or prefix).
Result<std::string> Dump(repo::Repository& repo, std::string_view spec);

// Stores a snapshot (not a Vault backup) whose root tree holds `nodes`,
// taken at `time`; returns its ID. For snapshots that refer to what a test
// chooses (a blob that is not there, another layout).
Result<std::string> SaveSnapshotOf(repo::Repository& repo,
                                   std::vector<repo::Node> nodes,
                                   std::string time = "2026-11-01T00:00:00Z");

// The keys of the stored objects under `prefix` ("data/", "index/",
// "snapshots/"), sorted.
std::vector<std::string> Keys(storage::Storage& storage,
                              std::string_view prefix);

}  // namespace vk::testing

#endif  // VAULTKEEP_TESTING_REPO_FIXTURE_H_
