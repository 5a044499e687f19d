// The agent's Prometheus metrics (prometheus-cpp's registry, served as the
// text format on /metrics). Every per-job series carries the labels
// `target` and `repository`; failure counters also `reason`, all reasons
// created at zero so that increase() and rate() see the first failure.
// Timestamps are Unix seconds; 0 means "not known yet" (no success since
// the repository was created).
#ifndef VAULTKEEP_AGENT_METRICS_H_
#define VAULTKEEP_AGENT_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "vaultkeep/agent/failure.h"

namespace vk::agent {

// One job's series (pointers into the registry; valid until RemoveJob).
struct JobMetrics {
  prometheus::Gauge* last_success = nullptr;
  prometheus::Gauge* last_attempt = nullptr;
  prometheus::Gauge* next_run = nullptr;
  prometheus::Gauge* interval = nullptr;
  prometheus::Gauge* last_duration = nullptr;
  prometheus::Gauge* failing = nullptr;
  prometheus::Gauge* running = nullptr;
  prometheus::Counter* success = nullptr;
  std::map<Reason, prometheus::Counter*> failure;
  prometheus::Counter* skipped_overlap = nullptr;
  prometheus::Gauge* snapshot_bytes = nullptr;
  prometheus::Gauge* added_bytes = nullptr;
  prometheus::Gauge* raft_index = nullptr;
  prometheus::Gauge* snapshots = nullptr;
  prometheus::Gauge* stored_bytes = nullptr;
  prometheus::Gauge* retention_success = nullptr;
  prometheus::Counter* retention_failure = nullptr;
  prometheus::Counter* retention_skipped = nullptr;
  prometheus::Gauge* prune_success = nullptr;
  prometheus::Counter* prune_failure = nullptr;
};

class Metrics {
 public:
  Metrics(const std::string& version,
          std::chrono::system_clock::time_point start);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The job's series, created (at zero) on first use.
  JobMetrics& Job(const std::string& target, const std::string& repository);
  // Drops a job's series (its target or repository left the config).
  void RemoveJob(const std::string& target, const std::string& repository);

  void SetReload(bool ok);  // a SIGHUP's outcome

  // The Prometheus text exposition format (version 0.0.4).
  std::string Text() const;

  static double Seconds(std::chrono::system_clock::time_point t);

 private:
  struct Families;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<Families> f_;
  std::mutex mu_;  // guards jobs_ (the registry has its own locks)
  std::map<std::pair<std::string, std::string>, JobMetrics> jobs_;
};

}  // namespace vk::agent

#endif  // VAULTKEEP_AGENT_METRICS_H_
