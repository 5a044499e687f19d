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

#include "vaultkeep/backup/manifest.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/repo/snapshot_file.h"
#include "vaultkeep/repo/tree.h"

namespace vk::backup {

struct SnapshotEntry {
  std::string id;  // hex ID of the snapshot file
  repo::SnapshotFile file;
  std::chrono::system_clock::time_point time;
  int32_t utc_offset_seconds = 0;  // of the zone `file.time` is written in
};

// A snapshot file that is there but cannot be read (does not hash to its
// name, does not decrypt, is not a snapshot, has a bad time).
struct UnreadableSnapshot {
  std::string id;  // the file name
  Status status;   // why, naming the file
  // One line for a warning: what was skipped and how to deal with it.
  std::string Note() const;
};

// Every snapshot, oldest first (ties by ID). When `unreadable` is null, a
// snapshot file that cannot be read is an error naming it (what prune
// needs: it cannot know which data such a snapshot refers to); otherwise
// such files are collected there and the others are returned. Only a
// failure to list the snapshots at all is an error then.
Result<std::vector<SnapshotEntry>> ListSnapshots(
    repo::Repository& repo,
    std::vector<UnreadableSnapshot>* unreadable = nullptr);

// The tag a backup carries when its escrowed unseal keys cannot unseal it
// (too few distinct valid shares, or shares that do not open its sealed
// hashes): vaultkeep/ops/key_check.h. Its data is intact; "latest" passes over
// it.
inline constexpr char kKeysUnusableTag[] = "keys-unusable";
// The tag of a backup that restores, but whose key store held a bad,
// duplicate or foreign key: the store needs fixing.
inline constexpr char kKeysDegradedTag[] = "keys-degraded";
bool KeysUnusable(const SnapshotEntry& s);

// What FindSnapshot passed over, for the caller to say (one sentence each).
struct FindNotes {
  std::vector<std::string> lines;
};

// "latest", a full ID or a unique prefix of at least 4 hex digits.
// Unreadable snapshot files are skipped (noted) unless `spec` names one,
// which is kCorruption. "latest" is the newest snapshot whose keys are not
// tagged unusable (newer tagged ones are noted); if every snapshot is so
// tagged, the newest one, noted as such.
Result<SnapshotEntry> FindSnapshot(repo::Repository& repo,
                                   std::string_view spec,
                                   FindNotes* notes = nullptr);

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
