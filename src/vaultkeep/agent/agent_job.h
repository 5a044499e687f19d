// The agent's per-job run-time state, shared by agent.cc (scheduling) and
// agent_status.cc (the /status view). Internal to the agent module.
#ifndef VAULTKEEP_AGENT_AGENT_JOB_H_
#define VAULTKEEP_AGENT_AGENT_JOB_H_

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "vaultkeep/agent/agent.h"

namespace vk::agent {

// A job's configuration and run-time state; guarded by Agent::mu_ except
// where noted.
struct Agent::Job {
  std::string key;
  std::shared_ptr<const TargetConfig> target;
  RepoConfig repo;
  JobMetrics* m = nullptr;
  bool initialized = false;  // history read from the repository
  bool busy = false;         // a thread of this job is running
  bool trigger = false;      // RunNow asked for a backup
  bool removed = false;      // left the configuration
  std::optional<WallTime> next_due;
  std::optional<WallTime> next_prune;
  std::optional<RepoFacts> facts;
  std::thread thread;
  bool thread_done = false;

  const schedule::Schedule& backup_schedule() const {
    return repo.schedule ? *repo.schedule : *target->schedule;
  }
};

}  // namespace vk::agent

#endif  // VAULTKEEP_AGENT_AGENT_JOB_H_
