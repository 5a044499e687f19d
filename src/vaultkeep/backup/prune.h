// Prune: removes data no snapshot needs (docs/repository-format.md,
// "Forget and prune").
//
// Plan: walk every snapshot's trees to find the blobs in use; a pack whose
// blobs are all unused is deleted; a pack with unused blobs making up at
// least `repack_threshold` of its bytes is repacked (its used blobs, checked
// on the way, are copied into new packs); packs in data/ that no index
// names are deleted. Order, so that a crash at any point leaves every
// snapshot readable: new packs, then new index files listing every kept
// blob, then removal of the old index files, then removal of the packs no
// index names any more. The caller holds the exclusive lock.
#ifndef VAULTKEEP_BACKUP_PRUNE_H_
#define VAULTKEEP_BACKUP_PRUNE_H_

#include <cstdint>
#include <set>
#include <string>

#include "vaultkeep/repo/repository.h"

namespace vk::backup {

struct PruneOptions {
  double repack_threshold = 0.05;
  bool dry_run = false;
};

struct PruneReport {
  uint64_t packs_total = 0;
  uint64_t packs_deleted = 0;  // wholly unused or unindexed
  uint64_t packs_repacked = 0;
  uint64_t packs_written = 0;
  uint64_t blobs_used = 0;
  uint64_t blobs_removed = 0;
  uint64_t bytes_before = 0;  // pack bytes
  uint64_t bytes_freed = 0;   // pack bytes deleted, less bytes written
  uint64_t index_files_replaced = 0;
};

// Needs LoadIndex() done. A snapshot or tree that cannot be read stops the
// prune before anything is changed (deleting blobs it might need would be
// unrecoverable).
Result<PruneReport> Prune(repo::Repository& repo, const PruneOptions& options);

// The (type, id) keys (repo::Index::Key) of every blob reachable from the
// repository's snapshots.
Result<std::set<std::string>> UsedBlobs(repo::Repository& repo);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_PRUNE_H_
