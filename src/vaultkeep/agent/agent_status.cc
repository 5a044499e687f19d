// Agent::StatusJson: the /status document (docs/agent.md).
#include <nlohmann/json.hpp>

#include "kit/base/time.h"
#include "vaultkeep/agent/agent.h"
#include "vaultkeep/agent/agent_job.h"

namespace vk::agent {
namespace {

using Json = nlohmann::ordered_json;

Json TimeOrNull(const std::optional<WallTime>& t) {
  return t ? Json(FormatRfc3339(std::chrono::floor<std::chrono::seconds>(*t)))
           : Json(nullptr);
}

Json TextOrNull(const std::string& s) {
  return s.empty() ? Json(nullptr) : Json(s);
}

}  // namespace

std::string Agent::StatusJson() const {
  std::lock_guard<std::mutex> l(mu_);
  Json targets = Json::array();
  for (const TargetConfig& t : config_.targets) {
    Json repos = Json::array();
    for (const RepoConfig& r : t.repositories) {
      auto it = jobs_.find(JobKey(t.name, r.name));
      if (it == jobs_.end()) continue;
      const Job& j = *it->second;
      auto st = state_.find(j.key);
      const JobRecord rec = st == state_.end() ? JobRecord{} : st->second;
      Json o;
      o["name"] = r.name;
      o["location"] = r.location.where;
      o["schedule"] = j.backup_schedule().text();
      o["next_run"] = TimeOrNull(j.next_due);
      o["running"] = j.busy && j.initialized;
      o["last_attempt"] = TimeOrNull(rec.last_attempt);
      o["last_success"] =
          TimeOrNull(j.facts ? j.facts->last_success : std::nullopt);
      o["last_snapshot"] =
          j.facts ? TextOrNull(j.facts->last_snapshot) : Json(nullptr);
      o["last_error"] = TextOrNull(rec.last_error);
      o["last_error_reason"] = TextOrNull(rec.last_error_reason);
      o["consecutive_failures"] = rec.consecutive_failures;
      o["snapshots"] = j.facts ? Json(j.facts->snapshots) : Json(nullptr);
      o["skipped"] = static_cast<int64_t>(j.m->skipped_overlap->Value());
      o["retention"] = {
          {"last_success", TimeOrNull(rec.retention_success)},
          {"last_error", TextOrNull(rec.retention_error)},
          {"skipped", static_cast<int64_t>(j.m->retention_skipped->Value())}};
      o["prune"] = {
          {"schedule",
           r.prune_schedule ? Json(r.prune_schedule->text()) : Json("off")},
          {"next_run", TimeOrNull(j.next_prune)},
          {"last_success", TimeOrNull(rec.prune_success)},
          {"last_error", TextOrNull(rec.prune_error)}};
      repos.push_back(std::move(o));
    }
    targets.push_back({{"name", t.name}, {"repositories", std::move(repos)}});
  }
  Json root;
  root["version"] = options_.version;
  root["config"] = config_.path;
  root["config_error"] = TextOrNull(config_error_);
  root["targets"] = std::move(targets);
  return root.dump(2) + "\n";
}

}  // namespace vk::agent
