#include "vaultkeep/backup/stats.h"

#include "vaultkeep/backup/catalog.h"

namespace vk::backup {
namespace {

Result<uint64_t> DirBytes(repo::Repository& repo, const std::string& dir,
                          uint64_t* files) {
  uint64_t total = 0;
  VK_RETURN_IF_ERROR(
      repo.storage().List(dir + "/", [&](const storage::ObjectInfo& i) {
        total += i.size;
        ++*files;
        return Status::Ok();
      }));
  return total;
}

}  // namespace

Result<RepoStats> ComputeStats(repo::Repository& repo) {
  RepoStats out;
  VK_RETURN_IF_ERROR(repo.LoadIndex());
  std::vector<UnreadableSnapshot> bad;
  VK_ASSIGN_OR_RETURN(auto snaps, ListSnapshots(repo, &bad));
  for (const auto& u : bad) out.notes.push_back(u.Note());
  out.snapshots = snaps.size();
  for (const auto& s : snaps) {
    auto b = OpenVaultBackup(repo, s);
    if (!b.ok()) {
      if (b.status().code() == StatusCode::kFailedPrecondition) continue;
      if (b.status().code() == StatusCode::kCorruption) {
        out.notes.push_back("snapshot " + s.id.substr(0, 8) +
                            " not counted: " + b.status().message());
        continue;
      }
      return b.status().WithContext("snapshot " + s.id.substr(0, 8));
    }
    ++out.vault_snapshots;
    if (b->layout == BackupLayout::kStash) {
      out.raw_bytes += b->snap_file.size;
    } else {
      for (const auto& e : b->manifest.entries) out.raw_bytes += e.size;
    }
  }
  uint64_t other_files = 0;
  VK_ASSIGN_OR_RETURN(out.pack_bytes,
                      DirBytes(repo, repo::kDataDir, &out.packs));
  out.stored_bytes = out.pack_bytes;
  for (const char* d : {repo::kIndexDir, repo::kSnapshotsDir}) {
    VK_ASSIGN_OR_RETURN(uint64_t n, DirBytes(repo, d, &other_files));
    out.stored_bytes += n;
  }
  out.blobs = repo.index().size();
  out.dedup_ratio = out.stored_bytes
                        ? static_cast<double>(out.raw_bytes) / out.stored_bytes
                        : 0;
  return out;
}

}  // namespace vk::backup
