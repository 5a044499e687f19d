// The agent: runs each job (a target backed up into one of its
// repositories) on its schedule, each on a thread of its own, so that one
// repository's failure, stall or slowness never fails or delays another's
// backup. Rules (docs/agent.md):
//  - a job's runs never overlap: a run that comes due while the previous
//    one is still going is skipped and counted (reason "overlap");
//  - retention runs only after a successful backup with usable keys; prune
//    on its own schedule, skipped (and counted) while the job's backups
//    fail;
//  - after downtime a job that missed runs runs once at start, not once per
//    missed run; a job with no history at all runs at once;
//  - Stop() stops scheduling, lets running jobs finish within the config's
//    grace, then cancels them (nothing is recorded) and waits for them.
// Thread-safe: the HTTP handlers and the signal thread call in while the
// scheduler runs.
#ifndef VAULTKEEP_AGENT_AGENT_H_
#define VAULTKEEP_AGENT_AGENT_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kit/base/clock.h"
#include "kit/base/result.h"
#include "vaultkeep/agent/config.h"
#include "vaultkeep/agent/job.h"
#include "vaultkeep/agent/metrics.h"
#include "vaultkeep/agent/state_file.h"

namespace vk::agent {

struct AgentOptions {
  std::string version;
  // Jitter draws: a value in [0, n) for n > 0. Default: a random device.
  std::function<uint64_t(uint64_t n)> random;
};

struct RunNowResult {
  std::vector<std::string> started;  // repository names
  std::vector<std::string> skipped;  // already running
};

class Agent {
 public:
  Agent(AgentConfig config, AgentOptions options);
  ~Agent();  // Stop()s
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  // Reads the state file and starts scheduling. An unreadable state file
  // is an error (it would silently lose the last errors).
  Status Start();
  // Applies a new configuration: jobs that stay keep their history and a
  // running backup; removed ones finish and disappear; new ones start.
  void Reload(AgentConfig config);
  // A reload that failed: the old configuration stays; /status and the
  // metrics say why.
  void ReloadFailed(const Status& why);
  // Starts every repository of `target` now (kNotFound for an unknown
  // target); ones still running are skipped.
  Result<RunNowResult> RunNow(const std::string& target);
  void RunAll();
  // See the file comment. Idempotent.
  void Stop();

  std::string StatusJson() const;
  std::string MetricsText() const { return metrics_.Text(); }
  // The scheduler is alive (it looked at its jobs recently).
  bool Healthy() const;

 private:
  struct Job;
  void Loop();
  void AddJobs(const AgentConfig& config);
  void Tick(WallTime now);
  void StartRun(const std::shared_ptr<Job>& job, bool prune);
  void RunJob(std::shared_ptr<Job> job, bool prune);
  void Initialize(Job& job);
  void FinishBackup(Job& job, const BackupReport& r, double secs);
  void FinishPrune(Job& job, const Status& st);
  WallTime Jittered(const Job& job, WallTime t) const;
  void SaveLocked();

  AgentOptions options_;
  Metrics metrics_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  AgentConfig config_;  // guarded by mu_
  std::string config_error_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;  // by JobKey
  std::vector<std::shared_ptr<Job>> retired_;         // removed, still running
  AgentState state_;
  bool stopping_ = false;
  std::atomic<bool> cancel_{false};
  std::atomic<int64_t> heartbeat_{0};  // steady seconds of the last tick
  std::thread loop_;
  std::mutex save_mu_;
};

}  // namespace vk::agent

#endif  // VAULTKEEP_AGENT_AGENT_H_
