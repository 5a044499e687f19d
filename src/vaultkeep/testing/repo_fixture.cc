#include "vaultkeep/testing/repo_fixture.h"

#include <algorithm>

#include "kit/base/check.h"
#include "kit/compress/gzip_source.h"
#include "kit/snapshot/archive_writer.h"
#include "kit/snapshot/records.h"
#include "kit/snapshot/sealed.h"
#include "kit/testing/pseudo_random.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/backup/dump.h"
#include "vaultkeep/repo/snapshot_file.h"
#include "vaultkeep/testing/damaged_storage.h"

namespace vk::testing {
namespace {

constexpr crypto::ScryptParams kFastScrypt{.n = 1024, .r = 8, .p = 1};

}  // namespace

Result<std::unique_ptr<repo::Repository>> InitRepo(storage::Storage& storage,
                                                   size_t pack_size) {
  VK_ASSIGN_OR_RETURN(
      auto repo, repo::Repository::Init(Borrow(storage), kTestPassword,
                                        {.scrypt = kFastScrypt,
                                         .created = "2026-11-01T00:00:00Z"}));
  repo->set_pack_size_for_test(pack_size);
  return repo;
}

Result<std::unique_ptr<repo::Repository>> OpenRepo(storage::Storage& storage,
                                                   size_t pack_size) {
  VK_ASSIGN_OR_RETURN(auto repo,
                      repo::Repository::Open(Borrow(storage), kTestPassword));
  repo->set_pack_size_for_test(pack_size);
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  return repo;
}

std::string MakeArchive(const ArchiveSpec& spec) {
  std::string state;
  for (int i = 0; i < spec.records; ++i) {
    snapshot::AppendRecord(
        &state,
        "logical/" + std::to_string(spec.seed) + "/" + std::to_string(i),
        PseudoRandom(spec.value_size, 2 * (spec.seed * 1000003 + i) + 1));
  }
  snapshot::SnapshotMeta meta;
  meta.index = spec.index;
  meta.term = 3;
  meta.servers = std::vector<snapshot::RaftServer>{{0, "n1", "127.0.0.1:8201"}};
  meta.size = static_cast<int64_t>(state.size());
  StringSink out;
  auto w = snapshot::ArchiveWriter::Create(
      &out, {.gzip_level = 0, .mtime = spec.mtime});
  VK_CHECK(w.ok());
  VK_CHECK((*w)->WriteMeta(snapshot::EncodeMeta(meta)).ok());
  VK_CHECK((*w)->WriteState(AsBytes(state)).ok());
  VK_CHECK((*w)->EndState().ok());
  VK_CHECK((*w)->WriteSums().ok());
  // Vault's SHA256SUMS.sealed, with a fixed KEK and nonce: deterministic.
  auto sealed = snapshot::SealWithKek(PseudoRandom(32, spec.seed), (*w)->sums(),
                                      true, PseudoRandom(12, spec.seed + 1));
  VK_CHECK(sealed.ok());
  VK_CHECK((*w)->WriteSealed(*sealed).ok());
  VK_CHECK((*w)->Finish().ok());
  return std::move(out.mutable_data());
}

std::string Untar(std::string_view snap) {
  MemorySource compressed(snap);
  auto gz = GzipSource::Create(&compressed);
  auto tar = ReadAllBounded(*gz, size_t{1} << 30);
  VK_CHECK(tar.ok());
  return std::move(*tar);
}

Result<backup::ImportResult> Import(repo::Repository& repo,
                                    std::string_view archive, std::string time,
                                    std::vector<std::string> tags) {
  MemorySource src(archive);
  return backup::ImportArchive(repo, src,
                               {.time = std::move(time),
                                .hostname = "host",
                                .username = "user",
                                .tags = std::move(tags),
                                .source = "test.snap",
                                .tool_version = "test",
                                .chunk_average = 4 << 10,
                                .threads = 2});
}

Result<std::string> Dump(repo::Repository& repo, std::string_view spec) {
  VK_ASSIGN_OR_RETURN(backup::SnapshotEntry snap,
                      backup::FindSnapshot(repo, spec));
  VK_ASSIGN_OR_RETURN(backup::VaultBackup b,
                      backup::OpenVaultBackup(repo, snap));
  StringSink out;
  VK_RETURN_IF_ERROR(
      backup::DumpArchive(repo, b, &out, {.stream = {.threads = 2}}).status());
  return std::move(out.mutable_data());
}

Result<std::string> SaveSnapshotOf(repo::Repository& repo,
                                   std::vector<repo::Node> nodes,
                                   std::string time) {
  VK_RETURN_IF_ERROR(repo::SortAndCheckNodes(nodes));
  std::string json = repo::EncodeTree(nodes);
  VK_ASSIGN_OR_RETURN(
      auto tree, repo.SaveBlob(repo::BlobType::kTree, AsBytes(json), false));
  VK_RETURN_IF_ERROR(repo.Flush().status());
  repo::SnapshotFile snap;
  snap.time = std::move(time);
  snap.tree = tree.id;
  snap.paths = {"/"};
  snap.hostname = "host";
  return repo.SaveUnpacked(repo::kSnapshotsDir, repo::EncodeSnapshotFile(snap));
}

std::vector<std::string> Keys(storage::Storage& storage,
                              std::string_view prefix) {
  std::vector<std::string> keys;
  VK_CHECK(storage
               .List(prefix,
                     [&](const storage::ObjectInfo& info) {
                       keys.push_back(info.key);
                       return Status::Ok();
                     })
               .ok());
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace vk::testing
