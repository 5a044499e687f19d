// Finding snapshots and reading what they hold: snapshot files by ID,
// unique prefix or "latest"; trees; and the Vault backup inside a snapshot,
// in either layout vaultkeep understands:
//   - vaultkeep's own (manifest.h): /vault/{vaultkeep.json,archive/,keys/};
//   - Stash/KubeStash's (kubevault-backup.md): a restic backup of a folder
//     holding `backup.snap` (the gzipped archive as Vault wrote it) and the
//     key files `<keyPrefix>-unseal-key-<i>` / `<keyPrefix>-root-token`.
#ifndef VAULTKEEP_BACKUP_CATALOG_H_
#define VAULTKEEP_BACKUP_CATALOG_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "backup/manifest.h"
#include "repo/repository.h"
#include "repo/snapshot_file.h"
#include "repo/tree.h"

namespace vk::backup {

struct SnapshotEntry {
  std::string id;  // hex ID of the snapshot file
  repo::SnapshotFile file;
  std::chrono::system_clock::time_point time;
  int32_t utc_offset_seconds = 0;  // of the zone `file.time` is written in
};

// Every snapshot, oldest first (ties by ID). A snapshot file that cannot
// be read is an error naming it.
Result<std::vector<SnapshotEntry>> ListSnapshots(repo::Repository& repo);
// "latest", a full ID or a unique prefix of at least 4 hex digits.
Result<SnapshotEntry> FindSnapshot(repo::Repository& repo,
                                   std::string_view spec);

Result<std::vector<repo::Node>> LoadTree(repo::Repository& repo,
                                         const Sha256Digest& id);

enum class BackupLayout { kVaultkeep, kStash };

struct VaultBackup {
  BackupLayout layout = BackupLayout::kVaultkeep;
  std::string path;  // of the folder holding the backup, e.g. "/vault"
  // kVaultkeep: the manifest and the archive entries by name.
  Manifest manifest;
  std::vector<repo::Node> archive;
  // kStash: the gzipped archive file.
  repo::Node snap_file;
  // Both: key files (vaultkeep: keys/; Stash: beside backup.snap).
  std::vector<repo::Node> keys;
};

// kFailedPrecondition "snapshot <id> holds no Vault backup" if neither
// layout is found.
Result<VaultBackup> OpenVaultBackup(repo::Repository& repo,
                                    const SnapshotEntry& snap);

const repo::Node* FindNode(const std::vector<repo::Node>& nodes,
                           std::string_view name);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_CATALOG_H_
