// What the agent remembers across restarts that no repository holds: per
// job (target and repository) the last attempt, the last error in one
// sentence and its reason, how many runs in a row failed, when a run was
// last due (for the one catch-up run after downtime), and the last
// retention and prune outcomes. Last successes are not kept here: they are
// read back from the repositories, the source of truth.
//
// The file is <state_dir>/state.json, written atomically and durably
// (temp file, fsync, rename, fsync the directory) with mode 0600. Error
// sentences never hold secrets (vaultkeep's errors never do). A missing
// file is an empty state; an unreadable one is an error, so that a broken
// file is noticed rather than silently forgotten.
#ifndef VAULTKEEP_AGENT_STATE_FILE_H_
#define VAULTKEEP_AGENT_STATE_FILE_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "kit/base/result.h"

namespace vk::agent {

using WallTime = std::chrono::system_clock::time_point;

struct JobRecord {
  std::optional<WallTime> last_attempt;
  std::optional<WallTime> last_due;  // the scheduled time of the last run
  std::string last_error;            // "" after a success
  std::string last_error_reason;     // failure.h's names
  std::optional<WallTime> last_error_time;
  int consecutive_failures = 0;
  std::optional<WallTime> retention_success;
  std::string retention_error;
  std::optional<WallTime> prune_success;
  std::optional<WallTime> prune_attempt;
  std::string prune_error;
};

// Keyed by JobKey(target, repository).
using AgentState = std::map<std::string, JobRecord>;

std::string JobKey(const std::string& target, const std::string& repository);

std::string StatePath(const std::string& state_dir);
Result<AgentState> LoadState(const std::string& state_dir);
// Creates state_dir (0700) when missing.
Status SaveState(const std::string& state_dir, const AgentState& state);

// The JSON text, and back (for tests and the file).
std::string EncodeState(const AgentState& state);
Result<AgentState> DecodeState(const std::string& text);

}  // namespace vk::agent

#endif  // VAULTKEEP_AGENT_STATE_FILE_H_
