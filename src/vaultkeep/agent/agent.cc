#include "vaultkeep/agent/agent.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <set>
#include <utility>

#include "vaultkeep/agent/agent_job.h"

namespace vk::agent {
namespace {

enum class Mode { kInit, kBackup, kPrune };

int64_t SteadySeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

WallTime Now() { return std::chrono::system_clock::now(); }

}  // namespace

Agent::Agent(AgentConfig config, AgentOptions options)
    : options_(std::move(options)),
      metrics_(options_.version, Now()),
      config_(std::move(config)) {
  if (!options_.random) {
    auto gen = std::make_shared<std::mt19937_64>(std::random_device{}());
    auto mu = std::make_shared<std::mutex>();
    options_.random = [gen, mu](uint64_t n) {
      std::lock_guard<std::mutex> l(*mu);
      return std::uniform_int_distribution<uint64_t>(0, n - 1)(*gen);
    };
  }
}

Agent::~Agent() { Stop(); }

Status Agent::Start() {
  VK_ASSIGN_OR_RETURN(AgentState state, LoadState(config_.state_dir));
  std::lock_guard<std::mutex> l(mu_);
  state_ = std::move(state);
  AddJobs(config_);
  heartbeat_ = SteadySeconds();
  loop_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void Agent::AddJobs(const AgentConfig& config) {
  for (const TargetConfig& t : config.targets) {
    auto target = std::make_shared<const TargetConfig>(t);
    for (const RepoConfig& r : t.repositories) {
      const std::string key = JobKey(t.name, r.name);
      auto it = jobs_.find(key);
      if (it != jobs_.end()) {
        Job& j = *it->second;
        bool rescheduled =
            j.backup_schedule().text() !=
                (r.schedule ? r.schedule->text() : t.schedule->text()) ||
            j.target->jitter != t.jitter;
        const std::string old_prune =
            j.repo.prune_schedule ? j.repo.prune_schedule->text() : "off";
        j.target = target;
        j.repo = r;
        if (rescheduled && j.initialized)
          j.next_due = Jittered(j, j.backup_schedule().Next(Now()));
        const std::string new_prune =
            r.prune_schedule ? r.prune_schedule->text() : "off";
        if (!r.prune_schedule) {
          j.next_prune.reset();
        } else if (j.initialized && new_prune != old_prune) {
          j.next_prune = r.prune_schedule->Next(Now());
        }
        continue;
      }
      auto job = std::make_shared<Job>();
      job->key = key;
      job->target = target;
      job->repo = r;
      job->m = &metrics_.Job(t.name, r.name);
      jobs_[key] = job;
      StartRun(job, false);  // busy with kInit until the history is read
    }
  }
}

WallTime Agent::Jittered(const Job& job, WallTime t) const {
  const int64_t j = job.target->jitter.count();
  if (j <= 0) return t;
  return t + std::chrono::seconds(options_.random(static_cast<uint64_t>(j)));
}

void Agent::StartRun(const std::shared_ptr<Job>& job, bool prune) {
  Mode mode = !job->initialized ? Mode::kInit
              : prune           ? Mode::kPrune
                                : Mode::kBackup;
  if (job->thread.joinable()) job->thread.join();
  job->busy = true;
  job->thread_done = false;
  if (mode != Mode::kInit) job->m->running->Set(1);
  job->thread = std::thread([this, job, mode] {
    JobEnv env;
    env.tool_version = options_.version;
    env.cancelled = [this] { return cancel_.load(); };
    std::shared_ptr<const TargetConfig> target;
    RepoConfig repo;
    {
      std::lock_guard<std::mutex> l(mu_);
      env.lock_wait = config_.lock_wait;
      target = job->target;
      repo = job->repo;
    }
    if (mode == Mode::kInit) {
      Result<RepoFacts> f = ReadFacts(target->name, repo);
      if (!f.ok()) {
        spdlog::warn("{}: history not read: {}", job->key,
                     f.status().message());
      }
      std::lock_guard<std::mutex> l(mu_);
      if (f.ok()) job->facts = std::move(*f);
      Initialize(*job);
    } else if (mode == Mode::kBackup) {
      spdlog::info("{}: backup starts", job->key);
      auto t0 = std::chrono::steady_clock::now();
      BackupReport r = RunBackup(*target, repo, env);
      double secs =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
              .count();
      std::lock_guard<std::mutex> l(mu_);
      FinishBackup(*job, r, secs);
    } else {
      spdlog::info("{}: prune starts", job->key);
      Status st = RunPrune(repo, env);
      std::lock_guard<std::mutex> l(mu_);
      FinishPrune(*job, st);
    }
    std::lock_guard<std::mutex> l(mu_);
    job->busy = false;
    job->thread_done = true;
    job->m->running->Set(0);
    cv_.notify_all();
  });
}

void Agent::Initialize(Job& job) {
  const JobRecord& rec = state_[job.key];
  const WallTime now = Now();
  std::optional<WallTime> last = rec.last_due;
  if (job.facts && job.facts->last_success &&
      (!last || *job.facts->last_success > *last)) {
    last = job.facts->last_success;
  }
  const schedule::Schedule& s = job.backup_schedule();
  if (!last || s.Next(*last) <= now) {
    // A new job, or one that missed runs while the agent was down: one run
    // now, then the schedule.
    job.next_due = now;
    if (last) spdlog::info("{}: missed a scheduled run; catching up", job.key);
  } else {
    job.next_due = Jittered(job, s.Next(now));
  }
  if (job.repo.prune_schedule) {
    const schedule::Schedule& p = *job.repo.prune_schedule;
    job.next_prune = rec.prune_attempt && p.Next(*rec.prune_attempt) <= now
                         ? now
                         : p.Next(now);
  }
  if (job.facts) {
    if (job.facts->last_success)
      job.m->last_success->Set(Metrics::Seconds(*job.facts->last_success));
    job.m->snapshots->Set(job.facts->snapshots);
    job.m->stored_bytes->Set(static_cast<double>(job.facts->stored_bytes));
  }
  if (rec.last_attempt)
    job.m->last_attempt->Set(Metrics::Seconds(*rec.last_attempt));
  job.m->failing->Set(rec.consecutive_failures > 0 ? 1 : 0);
  if (rec.retention_success) {
    job.m->retention_success->Set(Metrics::Seconds(*rec.retention_success));
  }
  if (rec.prune_success)
    job.m->prune_success->Set(Metrics::Seconds(*rec.prune_success));
  job.initialized = true;
}

void Agent::FinishBackup(Job& job, const BackupReport& r, double secs) {
  if (cancel_) {
    spdlog::warn("{}: backup aborted by the shutdown (nothing recorded)",
                 job.key);
    return;
  }
  JobRecord& rec = state_[job.key];
  const WallTime now = Now();
  rec.last_attempt = now;
  job.m->last_attempt->Set(Metrics::Seconds(now));
  job.m->last_duration->Set(secs);
  if (r.status.ok()) {
    spdlog::info("{}: snapshot {} saved ({} bytes, {} added) in {:.1f} s",
                 job.key, r.snapshot_id.substr(0, 8), r.snapshot_bytes,
                 r.added_bytes, secs);
    rec.consecutive_failures = 0;
    rec.last_error.clear();
    rec.last_error_reason.clear();
    job.m->success->Increment();
    job.m->failing->Set(0);
    job.m->snapshot_bytes->Set(static_cast<double>(r.snapshot_bytes));
    job.m->added_bytes->Set(static_cast<double>(r.added_bytes));
    job.m->raft_index->Set(static_cast<double>(r.raft_index));
    WallTime success =
        r.facts && r.facts->last_success ? *r.facts->last_success : now;
    job.m->last_success->Set(Metrics::Seconds(success));
    if (r.retention.ran) {
      if (r.retention.status.ok()) {
        rec.retention_success = now;
        rec.retention_error.clear();
        job.m->retention_success->Set(Metrics::Seconds(now));
        if (r.retention.removed > 0) {
          spdlog::info("{}: retention removed {} snapshots", job.key,
                       r.retention.removed);
        }
      } else {
        rec.retention_error = r.retention.status.message();
        job.m->retention_failure->Increment();
        spdlog::error("{}: retention failed: {}", job.key, rec.retention_error);
      }
    }
    if (r.facts) {
      job.facts = r.facts;
      job.m->snapshots->Set(r.facts->snapshots);
      job.m->stored_bytes->Set(static_cast<double>(r.facts->stored_bytes));
    }
  } else {
    ++rec.consecutive_failures;
    rec.last_error = r.status.message();
    rec.last_error_reason = std::string(ReasonName(r.reason));
    rec.last_error_time = now;
    job.m->failure[r.reason]->Increment();
    job.m->failing->Set(1);
    if (job.repo.retention.HasRule()) job.m->retention_skipped->Increment();
    spdlog::error("{}: backup failed ({}): {}", job.key, rec.last_error_reason,
                  rec.last_error);
  }
  SaveLocked();
}

void Agent::FinishPrune(Job& job, const Status& st) {
  if (cancel_) return;
  JobRecord& rec = state_[job.key];
  const WallTime now = Now();
  rec.prune_attempt = now;
  if (st.ok()) {
    rec.prune_success = now;
    rec.prune_error.clear();
    job.m->prune_success->Set(Metrics::Seconds(now));
  } else {
    rec.prune_error = st.message();
    job.m->prune_failure->Increment();
    spdlog::error("{}: prune failed: {}", job.key, rec.prune_error);
  }
  SaveLocked();
}

void Agent::SaveLocked() {
  // Written under mu_: a small local file, so a slow repository never
  // holds it; errors are logged, the agent keeps its state in memory.
  std::lock_guard<std::mutex> s(save_mu_);
  Status st = SaveState(config_.state_dir, state_);
  if (!st.ok()) spdlog::error("saving the agent state: {}", st.message());
}

void Agent::Tick(WallTime now) {
  for (auto& [key, job] : jobs_) {
    if (job->thread_done && job->thread.joinable()) {
      job->thread.join();
      job->thread_done = false;
    }
    if (!job->initialized) continue;
    const schedule::Schedule& s = job->backup_schedule();
    bool due = job->next_due && now >= *job->next_due;
    if (job->busy) {
      if (due) {
        spdlog::warn(
            "{}: skipping the run due at {}: the previous one is "
            "still going",
            key, FormatRfc3339(*job->next_due));
        job->m->skipped_overlap->Increment();
        job->next_due = Jittered(*job, s.Next(now));
      }
      continue;
    }
    if (due || job->trigger) {
      state_[key].last_due = due ? *job->next_due : now;
      if (due) job->next_due = Jittered(*job, s.Next(now));
      job->trigger = false;
      StartRun(job, false);
    } else if (job->next_prune && now >= *job->next_prune) {
      job->next_prune = job->repo.prune_schedule->Next(now);
      if (state_[key].consecutive_failures > 0) {
        spdlog::warn("{}: prune skipped: the backups are failing", key);
        job->m->retention_skipped->Increment();
      } else {
        StartRun(job, true);
      }
    }
    if (job->next_due) {
      job->m->next_run->Set(Metrics::Seconds(*job->next_due));
      job->m->interval->Set(
          static_cast<double>(s.Interval(*job->next_due).count()));
    }
  }
  // Jobs that left the configuration disappear once their run ended.
  std::erase_if(retired_, [this](const std::shared_ptr<Job>& j) {
    if (j->busy) return false;
    if (j->thread.joinable()) j->thread.join();
    metrics_.RemoveJob(j->target->name, j->repo.name);
    return true;
  });
}

void Agent::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    WallTime now = Now();
    Tick(now);
    heartbeat_ = SteadySeconds();
    WallTime wake = now + std::chrono::seconds(1);
    for (const auto& [key, job] : jobs_) {
      if (job->next_due) wake = std::min(wake, *job->next_due);
      if (job->next_prune) wake = std::min(wake, *job->next_prune);
    }
    cv_.wait_until(l, std::max(wake, now + std::chrono::milliseconds(10)));
  }
}

void Agent::Reload(AgentConfig config) {
  std::lock_guard<std::mutex> l(mu_);
  std::set<std::string> keep;
  for (const TargetConfig& t : config.targets)
    for (const RepoConfig& r : t.repositories)
      keep.insert(JobKey(t.name, r.name));
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (keep.count(it->first)) {
      ++it;
      continue;
    }
    it->second->removed = true;
    retired_.push_back(it->second);
    it = jobs_.erase(it);
  }
  // Settings that the running jobs read (lock_wait, grace) take effect for
  // the next run; state_dir and listen need a restart (docs/agent.md).
  config.state_dir = config_.state_dir;
  config_ = std::move(config);
  config_error_.clear();
  AddJobs(config_);
  metrics_.SetReload(true);
  spdlog::info("configuration reloaded from {}", config_.path);
  cv_.notify_all();
}

void Agent::ReloadFailed(const Status& why) {
  std::lock_guard<std::mutex> l(mu_);
  config_error_ = why.message();
  metrics_.SetReload(false);
  spdlog::error("configuration not reloaded (the old one stays): {}",
                config_error_);
}

Result<RunNowResult> Agent::RunNow(const std::string& target) {
  std::lock_guard<std::mutex> l(mu_);
  RunNowResult out;
  bool known = false;
  for (auto& [key, job] : jobs_) {
    if (job->target->name != target) continue;
    known = true;
    if (job->busy || !job->initialized) {
      out.skipped.push_back(job->repo.name);
    } else {
      job->trigger = true;
      out.started.push_back(job->repo.name);
    }
  }
  if (!known) return NotFound("no target named \"" + target + "\"");
  cv_.notify_all();
  return out;
}

void Agent::RunAll() {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [key, job] : jobs_)
    if (!job->busy && job->initialized) job->trigger = true;
  cv_.notify_all();
}

bool Agent::Healthy() const {
  std::lock_guard<std::mutex> l(mu_);
  return !stopping_ && loop_.joinable() &&
         SteadySeconds() - heartbeat_.load() < 30;
}

void Agent::Stop() {
  std::unique_lock<std::mutex> l(mu_);
  if (stopping_ && !loop_.joinable()) return;
  stopping_ = true;
  cv_.notify_all();
  l.unlock();
  if (loop_.joinable()) loop_.join();
  l.lock();
  auto busy = [this] {
    for (const auto& [k, j] : jobs_)
      if (j->busy) return true;
    for (const auto& j : retired_)
      if (j->busy) return true;
    return false;
  };
  if (!cv_.wait_for(l, config_.grace, [&] { return !busy(); })) {
    spdlog::warn(
        "stopping: the running backups did not finish within {} s; "
        "aborting them (nothing is recorded)",
        config_.grace.count());
    cancel_ = true;
  }
  std::vector<std::shared_ptr<Job>> all = retired_;
  for (auto& [k, j] : jobs_) all.push_back(j);
  l.unlock();
  for (auto& j : all)
    if (j->thread.joinable()) j->thread.join();
}

}  // namespace vk::agent
