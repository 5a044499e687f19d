// One unit of the agent's work: a target backed up into one of its
// repositories, that repository's retention applied to the target's
// snapshots, its unused data pruned, and what the repository says about
// the target's past (for a restart). Each call stands alone (it opens what
// it needs and closes it), so jobs of different repositories run on
// threads of their own and never wait for one another; only the
// repository lock orders two writers of one repository.
#ifndef VAULTKEEP_AGENT_JOB_H_
#define VAULTKEEP_AGENT_JOB_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "kit/base/clock.h"
#include "kit/base/status.h"
#include "vaultkeep/agent/config.h"
#include "vaultkeep/agent/failure.h"

namespace vk::agent {

struct JobEnv {
  Clock* clock = &RealClock();
  // A lock held by another process is waited for this long, then it is
  // a failure (reason storage).
  std::chrono::seconds lock_wait{600};
  std::chrono::milliseconds lock_poll{std::chrono::seconds(2)};
  // True: stop now (SIGTERM after its grace); nothing is recorded.
  std::function<bool()> cancelled;
  std::string tool_version;
};

// What the repository holds of one target.
struct RepoFacts {
  int snapshots = 0;          // the target's snapshots (keys-unusable too)
  uint64_t stored_bytes = 0;  // every file of the repository
  // The newest snapshot of the target whose keys are not unusable.
  std::optional<std::chrono::system_clock::time_point> last_success;
  std::string last_snapshot;  // its ID
};

struct RetentionReport {
  bool ran = false;  // a policy was set and the backup succeeded
  Status status;
  int removed = 0;
};

struct BackupReport {
  Status status;  // OK, or the failure in one sentence
  Reason reason = Reason::kOther;
  std::string snapshot_id;
  uint64_t snapshot_bytes = 0;  // the archive as Vault sent it
  uint64_t added_bytes = 0;     // what the repository grew by
  uint64_t raft_index = 0;
  std::string leader;
  RetentionReport retention;
  std::optional<RepoFacts> facts;  // after the run, when it could be read
};

// A live backup of `t` into `r` (keys escrowed as the target says), then,
// only if it succeeded and its keys are usable, `r`'s retention on the
// snapshots whose host name is the target's.
BackupReport RunBackup(const TargetConfig& t, const RepoConfig& r,
                       const JobEnv& env);

// Prunes `r` under the exclusive lock.
Status RunPrune(const RepoConfig& r, const JobEnv& env);

// Reads `r`'s snapshots of `target` without a lock.
Result<RepoFacts> ReadFacts(const std::string& target, const RepoConfig& r);

}  // namespace vk::agent

#endif  // VAULTKEEP_AGENT_JOB_H_
