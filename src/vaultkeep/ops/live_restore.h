// Restore of a repository snapshot into a running Vault cluster, and the
// pre-flight plan that `--dry-run` prints (docs/live-backup-restore.md).
//
// PlanRestore changes nothing: it opens the backup (either layout), reads
// its escrowed keys and checks them offline against the archive (ops/
// key_check.h), asks every given address for its seal status (each must
// answer: the restore unseals and checks every one), finds the target's
// active node, checks the token may update the snapshot endpoint, and
// refuses what cannot work (a seal type that differs from the backup's; a
// forced restore whose keys cannot unseal it, which would leave the
// cluster sealed with keys nobody has, unless unsealing is left to the
// operator).
//
// A cluster in which no node is active and some are sealed is what a
// forced restore interrupted after its upload leaves: the restored data is
// sealed with the backup's keys. If its seal is the backup's (shares and
// threshold), the plan *resumes* instead of uploading: migrate the keys,
// unseal with the backup's keys, check, probe. Running the same restore
// again therefore finishes it, whatever step it was stopped at; a resumed
// unseal that the keys do not open fails and changes nothing else.
//
// ExecuteRestore: rebuilds the archive from the repository and streams it
// as the POST body (no temporary file) to snapshot or snapshot-force;
// waits for Vault's background restore; after a forced restore migrates
// the escrowed keys into the target's unsealer store under the target's
// prefix (the count from the backup, not from the target's settings);
// unseals every known node with the escrowed keys (vaultkeep/ops/unseal.h: bad
// keys skipped and named); waits until every node is unsealed, one is active
// and the raft configuration lists all peers; reads a probe with the
// restored root token. Each step is reported with its duration. A refused
// upload leaves the cluster as it was.
#ifndef VAULTKEEP_OPS_LIVE_RESTORE_H_
#define VAULTKEEP_OPS_LIVE_RESTORE_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/keystore/key_store.h"
#include "vaultkeep/ops/escrowed_keys.h"
#include "vaultkeep/ops/key_check.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/vault/client.h"
#include "vaultkeep/vault/leader.h"

namespace vk::ops {

struct RestoreStep {
  std::string name;
  std::string detail;
  double seconds = 0;
};

struct RestoreOptions {
  // Every node's API address that is known; the active node is found
  // among them (and added if it advertises another address).
  std::vector<std::string> addrs;
  vault::FindOptions find;
  bool force = false;
  // Key migration after a forced restore (null: none).
  keystore::KeyStore* target_keys = nullptr;
  std::string target_prefix;  // names in the target store
  bool unseal = true;
  // Extra read after the restore with the restored root token (e.g. a KV
  // path that must exist); auth/token/lookup-self is always read.
  std::string probe_path;
  // Bound on each wait after the upload (restore applied, unsealed,
  // healthy).
  std::chrono::milliseconds settle{std::chrono::seconds(180)};
  std::chrono::milliseconds poll{250};
  std::function<void(const RestoreStep&)> on_step;
  // Called once per node as it is found unsealed.
  std::function<void(const std::string& addr)> on_unsealed;
  vault::ProgressFn progress;
};

struct RestorePlan {
  backup::SnapshotEntry snapshot;
  backup::VaultBackup backup;
  EscrowedKeys keys;  // secret: never printed
  KeyCheck key_check;
  // Target, before the restore (active/peers unset when resuming).
  vault::ActiveNode active;
  vault::SealStatus seal;
  std::vector<vault::RaftServer> peers;  // empty when the token may not read
  bool peers_known = false;
  std::vector<std::string> nodes;  // API addresses to unseal and check
  std::string endpoint;            // sys/storage/raft/snapshot[-force]
  int threshold = 0;               // from the backup's manifest (0: unknown)
  std::vector<std::string> migrate_names;  // empty: no migration
  std::string key_store;
  std::vector<std::string> warnings;
  // No upload: finish an interrupted restore (see above); why we think so.
  bool resume = false;
  std::string resume_reason;
};

Result<RestorePlan> PlanRestore(vault::Client& client, repo::Repository& repo,
                                const backup::SnapshotEntry& snapshot,
                                const RestoreOptions& options);

struct RestoreReport {
  std::vector<RestoreStep> steps;
  std::string active;              // active node after the restore
  std::vector<std::string> notes;  // keys refused at the unseal, ...
  double seconds = 0;
};

// `client`'s token is used for the upload; after the restore the backup's
// root token (when it has one) replaces it for the checks and the probe.
Result<RestoreReport> ExecuteRestore(vault::Client& client,
                                     repo::Repository& repo,
                                     const RestorePlan& plan,
                                     const RestoreOptions& options);

}  // namespace vk::ops

#endif  // VAULTKEEP_OPS_LIVE_RESTORE_H_
