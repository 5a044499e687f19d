#include "vaultkeep/agent/state_file.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "kit/base/time.h"
#include "kit/env/file.h"

namespace vk::agent {
namespace {

using Json = nlohmann::ordered_json;

void PutTime(Json& j, const char* name, const std::optional<WallTime>& t) {
  if (t) j[name] = FormatRfc3339(*t);
}

Status GetTime(const Json& j, const char* name, std::optional<WallTime>* t) {
  if (!j.contains(name) || j[name].is_null()) return Status::Ok();
  if (!j[name].is_string())
    return Corruption(std::string(name) + " is not a time");
  Result<WallTime> r = ParseRfc3339(j[name].get<std::string>());
  if (!r.ok()) return r.status().WithContext(name);
  *t = *r;
  return Status::Ok();
}

std::string GetString(const Json& j, const char* name) {
  return j.contains(name) && j[name].is_string() ? j[name].get<std::string>()
                                                 : "";
}

}  // namespace

std::string JobKey(const std::string& target, const std::string& repository) {
  return target + "/" + repository;
}

std::string StatePath(const std::string& state_dir) {
  return state_dir + "/state.json";
}

std::string EncodeState(const AgentState& state) {
  Json jobs = Json::object();
  for (const auto& [key, r] : state) {
    Json j = Json::object();
    PutTime(j, "last_attempt", r.last_attempt);
    PutTime(j, "last_due", r.last_due);
    if (!r.last_error.empty()) {
      j["last_error"] = r.last_error;
      j["last_error_reason"] = r.last_error_reason;
    }
    PutTime(j, "last_error_time", r.last_error_time);
    j["consecutive_failures"] = r.consecutive_failures;
    PutTime(j, "retention_success", r.retention_success);
    if (!r.retention_error.empty()) j["retention_error"] = r.retention_error;
    PutTime(j, "prune_success", r.prune_success);
    PutTime(j, "prune_attempt", r.prune_attempt);
    if (!r.prune_error.empty()) j["prune_error"] = r.prune_error;
    jobs[key] = std::move(j);
  }
  Json root{{"version", 1}, {"jobs", std::move(jobs)}};
  return root.dump(2) + "\n";
}

Result<AgentState> DecodeState(const std::string& text) {
  Json root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return Corruption("not a JSON object");
  if (!root.contains("version") || root["version"] != 1)
    return Corruption("unknown version (expected 1)");
  if (!root.contains("jobs") || !root["jobs"].is_object())
    return Corruption("no \"jobs\" object");
  AgentState out;
  for (const auto& [key, j] : root["jobs"].items()) {
    if (!j.is_object()) return Corruption("job " + key + " is not an object");
    JobRecord r;
    for (auto [name, field] : {std::pair{"last_attempt", &r.last_attempt},
                               {"last_due", &r.last_due},
                               {"last_error_time", &r.last_error_time},
                               {"retention_success", &r.retention_success},
                               {"prune_success", &r.prune_success},
                               {"prune_attempt", &r.prune_attempt}}) {
      VK_RETURN_IF_ERROR(GetTime(j, name, field).WithContext("job " + key));
    }
    r.last_error = GetString(j, "last_error");
    r.last_error_reason = GetString(j, "last_error_reason");
    r.retention_error = GetString(j, "retention_error");
    r.prune_error = GetString(j, "prune_error");
    if (j.contains("consecutive_failures") &&
        j["consecutive_failures"].is_number_integer()) {
      r.consecutive_failures = j["consecutive_failures"].get<int>();
    }
    out[key] = std::move(r);
  }
  return out;
}

Result<AgentState> LoadState(const std::string& state_dir) {
  const std::string path = StatePath(state_dir);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return AgentState{};
  VK_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 16 << 20));
  Result<AgentState> r = DecodeState(text);
  if (!r.ok()) return r.status().WithContext("agent state file " + path);
  return r;
}

Status SaveState(const std::string& state_dir, const AgentState& state) {
  VK_RETURN_IF_ERROR(MakeDirs(state_dir, 0700));
  return WriteFileAtomic(StatePath(state_dir), EncodeState(state), 0600);
}

}  // namespace vk::agent
