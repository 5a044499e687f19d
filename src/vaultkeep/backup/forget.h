// Removing snapshots from a repository: by ID (`forget ID...`, which also
// reaches damaged snapshot files, by name) or by restic's retention rules.
// Only snapshot files go; the data nothing needs any more is prune's
// (backup/prune.h). Callers hold the exclusive lock.
#ifndef VAULTKEEP_BACKUP_FORGET_H_
#define VAULTKEEP_BACKUP_FORGET_H_

#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/repo/forget_policy.h"
#include "vaultkeep/repo/repository.h"

namespace vk::backup {

// The snapshot file names matching `specs` (each a full ID or a unique
// prefix of 4+ lowercase hex digits), each once. File names, not contents:
// a damaged file cannot be read, and is removed by naming it.
Result<std::vector<std::string>> ResolveSnapshotIds(
    repo::Repository& repo, const std::vector<std::string>& specs);

// Removes the snapshot files `ids`.
Status RemoveSnapshots(repo::Repository& repo,
                       const std::vector<std::string>& ids);

// What `policy` keeps and removes in each group of the readable snapshots.
// Backups whose escrowed keys are unusable form groups of their own (they
// take no keep slot from good backups). Unreadable snapshot files go to
// `unreadable` and are neither kept nor removed.
Result<std::vector<repo::GroupDecision>> PlanForget(
    repo::Repository& repo, const repo::ForgetPolicy& policy,
    const repo::GroupBy& by, std::vector<UnreadableSnapshot>* unreadable);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_FORGET_H_
