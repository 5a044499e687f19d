// Why a scheduled backup failed, as the small fixed set of reasons the
// metric vaultkeep_backup_failure_total{reason} counts. The reason is read
// from the stage that failed and the Status's code and typed details,
// never from message text.
#ifndef VAULTKEEP_AGENT_FAILURE_H_
#define VAULTKEEP_AGENT_FAILURE_H_

#include <array>
#include <string_view>

#include "kit/base/status.h"

namespace vk::agent {

enum class Reason {
  kUnreachable,    // no Vault node answered, a transfer broke off, 5xx
  kAuth,           // the token was refused or could not be read
  kSealed,         // every node that answered is sealed
  kLeaderChanged,  // the leader moved during every attempt
  kCorrupt,        // the snapshot failed verification
  kStorage,        // the repository: unreachable, wrong password, locked
  kKeys,           // the unsealer keys: unreadable, or cannot unseal it
  kOther,
};

inline constexpr std::array<Reason, 8> kAllReasons = {
    Reason::kUnreachable,   Reason::kAuth,    Reason::kSealed,
    Reason::kLeaderChanged, Reason::kCorrupt, Reason::kStorage,
    Reason::kKeys,          Reason::kOther};

// The label value: "unreachable", "auth", "sealed", "leader_changed",
// "corrupt", "storage", "keys", "other".
std::string_view ReasonName(Reason r);

// Where in a run the failure happened.
enum class Stage {
  kVaultSetup,  // reading the token, TLS files, Kubernetes objects
  kRepository,  // opening, locking or reading the repository
  kBackup,      // ops::LiveBackup
  kKeyCheck,    // the backup was recorded but its keys cannot unseal it
};

Reason Classify(const Status& st, Stage stage);

}  // namespace vk::agent

#endif  // VAULTKEEP_AGENT_FAILURE_H_
