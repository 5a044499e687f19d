// LiveBackup: a consistent, verified backup of a running Vault cluster
// into a repository, with the unseal keys and root token escrowed.
//
// The sequence (docs/live-backup-restore.md):
//  1. find the active node (sys/leader, then the leader itself must say
//     is_self; bounded wait for a cluster that is sealed or electing);
//  2. record its cluster id, version, seal type, shares/threshold, raft
//     committed index, and (when the token may read it) the raft peers;
//  3. read the keys from the unsealer store (a missing one fails here,
//     before any transfer);
//  4. stream GET sys/storage/raft/snapshot from that node straight into the
//     import pipeline, which verifies the archive as it arrives;
//  5. before anything is committed: the HTTP transfer completed, the same
//     node is still the leader (is_self, same advertised address) and the
//     snapshot's index is at least the one recorded in 2.
// A failure in 4 or 5 records nothing. A leader change, a transfer that
// broke off, a stall or a standby's 307 retries from 1 (bounded); a
// damaged archive, a refused token or a repository error does not. The
// token is checked in 1 (sys/capabilities-self: it must read the
// snapshot path), before keys are read or data moves.
//
// Once the archive verified, the escrowed unseal keys are checked against
// it (vaultkeep/ops/key_check.h). Keys that cannot unseal it do not throw the
// verified data away: the snapshot is recorded with the tag
// backup::kKeysUnusableTag and the verdict in its manifest, and the result
// says so (the CLI exits 3), so that "latest", retention and restore never
// take it for a good backup without saying so.
#ifndef VAULTKEEP_OPS_LIVE_BACKUP_H_
#define VAULTKEEP_OPS_LIVE_BACKUP_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vaultkeep/backup/import.h"
#include "vaultkeep/keystore/key_store.h"
#include "vaultkeep/ops/key_check.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/vault/client.h"
#include "vaultkeep/vault/leader.h"

namespace vk::ops {

// The detail of LiveBackup's error when the unsealer key store could not
// be read (a missing key, an unreachable or forbidden Secret).
struct KeyEscrowFailure : StatusDetail {};

struct LiveBackupOptions {
  std::vector<std::string> addrs;
  vault::FindOptions find;
  int attempts = 3;  // snapshot attempts, >= 1
  // Escrow: null means no keys are stored (--no-keys).
  keystore::KeyStore* keys = nullptr;
  std::string key_prefix;
  int shares = 0;  // 0: the cluster's seal-status "n"
  bool allow_missing_root_token = false;
  // time, host, tags, chunking...; cluster, timings, keys and
  // before_commit are filled in here.
  backup::ImportOptions import;
  // One line per step and per retry, for the CLI (may be null).
  std::function<void(const std::string&)> on_event;
  vault::ProgressFn progress;  // bytes of the current transfer
  // Asked before each attempt and as the snapshot streams: true stops the
  // backup (kAborted, nothing recorded). May be null.
  std::function<bool()> cancelled;
};

struct LiveBackupResult {
  backup::ImportResult import;
  std::string leader;  // API address the snapshot came from
  int attempts = 0;
  std::optional<KeyCheck> key_check;  // when keys were escrowed
};

// The manifest's record of a key check.
backup::KeyCheckRecord RecordOf(const KeyCheck& k);

Result<LiveBackupResult> LiveBackup(vault::Client& client,
                                    repo::Repository& repo,
                                    const LiveBackupOptions& options);

}  // namespace vk::ops

#endif  // VAULTKEEP_OPS_LIVE_BACKUP_H_
