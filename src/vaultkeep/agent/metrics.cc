#include "vaultkeep/agent/metrics.h"

#include <prometheus/text_serializer.h>

#include <sstream>

namespace vk::agent {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;

namespace {

Family<Gauge>& G(prometheus::Registry& r, const std::string& name,
                 const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}

Family<Counter>& C(prometheus::Registry& r, const std::string& name,
                   const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}

}  // namespace

struct Metrics::Families {
  explicit Families(prometheus::Registry& r)
      : info(G(r, "vaultkeep_agent_info", "The agent's version (always 1)")),
        start(G(r, "vaultkeep_agent_start_time_seconds",
                "When the agent started (Unix time)")),
        reload_ok(G(r, "vaultkeep_config_last_reload_successful",
                    "1 if the last configuration reload succeeded")),
        reload_failures(C(r, "vaultkeep_config_reload_failure_total",
                          "Configuration reloads that were refused")),
        last_success(G(r, "vaultkeep_backup_last_success_timestamp_seconds",
                       "Time of the newest successful backup (0: none)")),
        last_attempt(G(r, "vaultkeep_backup_last_attempt_timestamp_seconds",
                       "When the last backup attempt ended")),
        next_run(G(r, "vaultkeep_backup_next_run_timestamp_seconds",
                   "When the next backup is due")),
        interval(G(r, "vaultkeep_backup_interval_seconds",
                   "Nominal time between scheduled backups")),
        duration(G(r, "vaultkeep_backup_last_duration_seconds",
                   "How long the last backup attempt took")),
        failing(G(r, "vaultkeep_backup_failing",
                  "1 while the last backup attempt failed")),
        running(G(r, "vaultkeep_backup_running",
                  "1 while a backup or prune of this job runs")),
        success(C(r, "vaultkeep_backup_success_total",
                  "Backups that were recorded with usable keys")),
        failure(C(r, "vaultkeep_backup_failure_total",
                  "Backups that failed, by reason")),
        skipped(C(r, "vaultkeep_backup_skipped_total",
                  "Scheduled runs skipped, by reason (overlap: the previous "
                  "run was still going)")),
        snapshot_bytes(G(r, "vaultkeep_backup_snapshot_bytes",
                         "Size of the last backed-up snapshot archive")),
        added_bytes(G(r, "vaultkeep_backup_added_bytes",
                      "Bytes the last backup added to the repository")),
        raft_index(G(r, "vaultkeep_vault_raft_index",
                     "Raft index of the last backed-up snapshot")),
        snapshots(G(r, "vaultkeep_repository_snapshots",
                    "The target's snapshots in the repository")),
        stored_bytes(G(r, "vaultkeep_repository_stored_bytes",
                       "Bytes the repository stores (all its files)")),
        retention_success(
            G(r, "vaultkeep_retention_last_success_timestamp_seconds",
              "When retention (forget) last succeeded")),
        retention_failure(C(r, "vaultkeep_retention_failure_total",
                            "Retention runs that failed")),
        retention_skipped(C(r, "vaultkeep_retention_skipped_total",
                            "Retention or prune runs skipped because the "
                            "target's backups are failing")),
        prune_success(G(r, "vaultkeep_prune_last_success_timestamp_seconds",
                        "When prune last succeeded")),
        prune_failure(
            C(r, "vaultkeep_prune_failure_total", "Prune runs that failed")) {}

  Family<Gauge>& info;
  Family<Gauge>& start;
  Family<Gauge>& reload_ok;
  Family<Counter>& reload_failures;
  Family<Gauge>& last_success;
  Family<Gauge>& last_attempt;
  Family<Gauge>& next_run;
  Family<Gauge>& interval;
  Family<Gauge>& duration;
  Family<Gauge>& failing;
  Family<Gauge>& running;
  Family<Counter>& success;
  Family<Counter>& failure;
  Family<Counter>& skipped;
  Family<Gauge>& snapshot_bytes;
  Family<Gauge>& added_bytes;
  Family<Gauge>& raft_index;
  Family<Gauge>& snapshots;
  Family<Gauge>& stored_bytes;
  Family<Gauge>& retention_success;
  Family<Counter>& retention_failure;
  Family<Counter>& retention_skipped;
  Family<Gauge>& prune_success;
  Family<Counter>& prune_failure;
};

Metrics::Metrics(const std::string& version,
                 std::chrono::system_clock::time_point start)
    : registry_(std::make_shared<prometheus::Registry>()),
      f_(std::make_unique<Families>(*registry_)) {
  f_->info.Add({{"version", version}}).Set(1);
  f_->start.Add({}).Set(Seconds(start));
  f_->reload_ok.Add({}).Set(1);
  f_->reload_failures.Add({});
}

Metrics::~Metrics() = default;

double Metrics::Seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

JobMetrics& Metrics::Job(const std::string& target,
                         const std::string& repository) {
  std::lock_guard<std::mutex> l(mu_);
  auto key = std::make_pair(target, repository);
  auto it = jobs_.find(key);
  if (it != jobs_.end()) return it->second;
  const prometheus::Labels labels{{"target", target},
                                  {"repository", repository}};
  JobMetrics m;
  m.last_success = &f_->last_success.Add(labels);
  m.last_attempt = &f_->last_attempt.Add(labels);
  m.next_run = &f_->next_run.Add(labels);
  m.interval = &f_->interval.Add(labels);
  m.last_duration = &f_->duration.Add(labels);
  m.failing = &f_->failing.Add(labels);
  m.running = &f_->running.Add(labels);
  m.success = &f_->success.Add(labels);
  for (Reason r : kAllReasons) {
    prometheus::Labels with = labels;
    with["reason"] = std::string(ReasonName(r));
    m.failure[r] = &f_->failure.Add(with);
  }
  prometheus::Labels overlap = labels;
  overlap["reason"] = "overlap";
  m.skipped_overlap = &f_->skipped.Add(overlap);
  m.snapshot_bytes = &f_->snapshot_bytes.Add(labels);
  m.added_bytes = &f_->added_bytes.Add(labels);
  m.raft_index = &f_->raft_index.Add(labels);
  m.snapshots = &f_->snapshots.Add(labels);
  m.stored_bytes = &f_->stored_bytes.Add(labels);
  m.retention_success = &f_->retention_success.Add(labels);
  m.retention_failure = &f_->retention_failure.Add(labels);
  m.retention_skipped = &f_->retention_skipped.Add(labels);
  m.prune_success = &f_->prune_success.Add(labels);
  m.prune_failure = &f_->prune_failure.Add(labels);
  return jobs_.emplace(key, m).first->second;
}

void Metrics::RemoveJob(const std::string& target,
                        const std::string& repository) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = jobs_.find({target, repository});
  if (it == jobs_.end()) return;
  JobMetrics& m = it->second;
  f_->last_success.Remove(m.last_success);
  f_->last_attempt.Remove(m.last_attempt);
  f_->next_run.Remove(m.next_run);
  f_->interval.Remove(m.interval);
  f_->duration.Remove(m.last_duration);
  f_->failing.Remove(m.failing);
  f_->running.Remove(m.running);
  f_->success.Remove(m.success);
  for (auto& [r, c] : m.failure) f_->failure.Remove(c);
  f_->skipped.Remove(m.skipped_overlap);
  f_->snapshot_bytes.Remove(m.snapshot_bytes);
  f_->added_bytes.Remove(m.added_bytes);
  f_->raft_index.Remove(m.raft_index);
  f_->snapshots.Remove(m.snapshots);
  f_->stored_bytes.Remove(m.stored_bytes);
  f_->retention_success.Remove(m.retention_success);
  f_->retention_failure.Remove(m.retention_failure);
  f_->retention_skipped.Remove(m.retention_skipped);
  f_->prune_success.Remove(m.prune_success);
  f_->prune_failure.Remove(m.prune_failure);
  jobs_.erase(it);
}

void Metrics::SetReload(bool ok) {
  f_->reload_ok.Add({}).Set(ok ? 1 : 0);
  if (!ok) f_->reload_failures.Add({}).Increment();
}

std::string Metrics::Text() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace vk::agent
