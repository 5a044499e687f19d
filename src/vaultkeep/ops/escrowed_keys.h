// The keys a backup escrowed, read back from the repository: both
// vaultkeep's layout (keys/ beside the archive, names recorded in the
// manifest) and Stash's (key files beside backup.snap, holding JSON
// strings). The old key prefix is recovered from the names.
#ifndef VAULTKEEP_OPS_ESCROWED_KEYS_H_
#define VAULTKEEP_OPS_ESCROWED_KEYS_H_

#include <optional>
#include <string>
#include <vector>

#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/ops/key_check.h"
#include "vaultkeep/repo/repository.h"

namespace vk::ops {

struct EscrowedKeys {
  std::string prefix;                    // "" when the names carry none
  std::vector<std::string> unseal_keys;  // by index; no gaps
  std::optional<std::string> root_token;
  bool empty() const { return unseal_keys.empty() && !root_token; }
};

// The unseal keys as named shares ("<prefix>-unseal-key-<i>").
std::vector<NamedShare> SharesOf(const EscrowedKeys& keys);

// Checks a backup's escrowed unseal keys offline (vaultkeep/ops/key_check.h):
// the threshold and seal type from its manifest, the proof against its
// archive's SHA256SUMS.sealed (vaultkeep's layout; a Stash backup keeps it
// inside backup.snap, so its keys are checked for form only).
Result<KeyCheck> CheckBackupKeys(repo::Repository& repo,
                                 const backup::VaultBackup& b,
                                 const EscrowedKeys& keys);

// The shares in the order to submit them: the check's proven ones first,
// then the others it did not find bad.
std::vector<NamedShare> UnsealOrder(const EscrowedKeys& keys,
                                    const KeyCheck& check);

// kCorruption when the key files do not form one prefix's set (mixed
// prefixes, a gap in the indices, an unreadable value).
Result<EscrowedKeys> LoadEscrowedKeys(repo::Repository& repo,
                                      const backup::VaultBackup& b);

// Splits "<prefix>-unseal-key-<i>" / "unseal-key-<i>" and
// "<prefix>-root-token" / "root-token"; false for other names.
bool ParseKeyName(const std::string& name, std::string* prefix, int* index,
                  bool* is_root);

}  // namespace vk::ops

#endif  // VAULTKEEP_OPS_ESCROWED_KEYS_H_
