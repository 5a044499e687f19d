#include "vaultkeep/backup/forget.h"

#include <algorithm>

#include "kit/base/strings.h"

namespace vk::backup {

Result<std::vector<std::string>> ResolveSnapshotIds(
    repo::Repository& repo, const std::vector<std::string>& specs) {
  VK_ASSIGN_OR_RETURN(auto names, repo.ListIds(repo::kSnapshotsDir));
  std::vector<std::string> out;
  for (const std::string& spec : specs) {
    if (spec.size() < 4 || spec.size() > 64 ||
        spec.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return InvalidArgument("snapshot ID " + Quote(spec) +
                             ": expected 4 to 64 lowercase hex digits");
    }
    std::vector<std::string> hits;
    for (const std::string& n : names) {
      if (n.starts_with(spec)) hits.push_back(n);
    }
    if (hits.empty()) return NotFound("no snapshot with ID " + spec);
    if (hits.size() > 1) {
      return InvalidArgument("snapshot ID prefix " + spec +
                             " is ambiguous; give more digits");
    }
    if (std::find(out.begin(), out.end(), hits[0]) == out.end())
      out.push_back(hits[0]);
  }
  return out;
}

Status RemoveSnapshots(repo::Repository& repo,
                       const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    VK_RETURN_IF_ERROR(
        repo.storage().Remove(std::string(repo::kSnapshotsDir) + "/" + id));
  }
  return Status::Ok();
}

Result<std::vector<repo::GroupDecision>> PlanForget(
    repo::Repository& repo, const repo::ForgetPolicy& policy,
    const repo::GroupBy& by, std::vector<UnreadableSnapshot>* unreadable) {
  VK_ASSIGN_OR_RETURN(auto all, ListSnapshots(repo, unreadable));
  std::vector<repo::ForgetSnapshot> in;
  for (const auto& s : all) {
    in.push_back({s.id, s.time, s.utc_offset_seconds, s.file.hostname,
                  s.file.paths, s.file.tags, KeysUnusable(s)});
  }
  return repo::ApplyPolicyByGroup(std::move(in), policy, by);
}

}  // namespace vk::backup
