// Unsealing nodes with escrowed keys that may include bad ones.
//
// Vault combines the shares as soon as `threshold` of them are in and
// clears the progress whether or not they were right, so submitting keys
// in order stops being useful at the first bad one: with one garbage key
// among five (threshold 3) the old loop left the cluster sealed although
// four good keys were escrowed. UnsealNode instead:
//  - starts from a clean slate (resets progress a previous, interrupted
//    run may have left);
//  - submits `threshold` keys at a time, best first (the order the
//    offline key check proved, vaultkeep/ops/key_check.h);
//  - drops a key Vault refuses as malformed and moves on to the next
//    combination when Vault answers "invalid key" (a wrong share among
//    them), up to kMaxCombinations;
//  - reports every key it found bad by name, never by value.
#ifndef VAULTKEEP_OPS_UNSEAL_H_
#define VAULTKEEP_OPS_UNSEAL_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/ops/key_check.h"
#include "vaultkeep/repo/repository.h"
#include "vaultkeep/vault/client.h"

namespace vk::ops {

inline constexpr int kMaxCombinations = 64;

enum class NodeUnseal {
  kUnsealed,  // unsealed now, or already
  kPending,   // unreachable or restarting: ask again later
};

struct UnsealNotes {
  std::vector<std::string> bad;    // key names Vault refused or that failed
  std::vector<std::string> lines;  // what happened, one sentence each
};

// kFailedPrecondition when no combination of the keys unseals the node
// (they do not match its data).
Result<NodeUnseal> UnsealNode(vault::Client& client, const std::string& addr,
                              const std::vector<NamedShare>& keys,
                              UnsealNotes* notes);

struct UnsealAllOptions {
  std::chrono::milliseconds settle{std::chrono::seconds(180)};
  std::chrono::milliseconds poll{250};
  // Called once per node when it is found unsealed.
  std::function<void(const std::string& addr)> on_unsealed;
};

// Unseals every node, polling the pending ones until `settle` passes
// (kUnavailable naming those still pending).
Status UnsealAll(vault::Client& client, const std::vector<std::string>& nodes,
                 const std::vector<NamedShare>& keys,
                 const UnsealAllOptions& options, UnsealNotes* notes);

// `vaultkeep unseal`: unseals `addrs` with the keys a backup escrowed, for
// the operator who needs only that (a cluster sealed by a forced restore
// that was stopped, or restarted nodes). Checks the keys offline first and
// refuses (kCorruption) keys that cannot unseal the backup. Needs no
// token: sys/unseal is unauthenticated.
struct UnsealReport {
  KeyCheck key_check;
  std::vector<std::string> unsealed;  // every address, once unsealed
  UnsealNotes notes;
};
Result<UnsealReport> UnsealFromBackup(vault::Client& client,
                                      repo::Repository& repo,
                                      const backup::SnapshotEntry& snapshot,
                                      const std::vector<std::string>& addrs,
                                      const UnsealAllOptions& options);

}  // namespace vk::ops

#endif  // VAULTKEEP_OPS_UNSEAL_H_
