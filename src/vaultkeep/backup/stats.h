// Repository statistics for `stats`: what the Vault backups would take
// restored (raw) against what the repository stores (packs, index and
// snapshot files), and the dedup ratio between them.
#ifndef VAULTKEEP_BACKUP_STATS_H_
#define VAULTKEEP_BACKUP_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/repo/repository.h"

namespace vk::backup {

struct RepoStats {
  uint64_t snapshots = 0;        // snapshot files read
  uint64_t vault_snapshots = 0;  // of those, Vault backups counted
  uint64_t raw_bytes = 0;        // archive bytes of the counted backups
  uint64_t stored_bytes = 0;     // packs + index + snapshot files
  uint64_t pack_bytes = 0;
  uint64_t packs = 0;
  uint64_t blobs = 0;
  double dedup_ratio = 0;  // raw / stored, 0 for an empty repository
  // What was passed over and why (damaged snapshot files, backups whose
  // data cannot be read): one line each, for warnings.
  std::vector<std::string> notes;
};

// Loads the index; reads every snapshot file.
Result<RepoStats> ComputeStats(repo::Repository& repo);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_STATS_H_
