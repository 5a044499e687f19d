// vaultkeep unlock: remove stale locks (restic's rules: older than 30
// minutes, or made on this host by a process that is gone), or every lock
// with --remove-all when the operator knows no other process is running.
#include <nlohmann/json.hpp>

#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/repo/lock.h"

namespace vk::cli {
namespace {

struct UnlockOptions {
  RepoOptions repo;
  bool remove_all = false;
  bool json = false;
};

Status RunUnlock(const UnlockOptions& o) {
  VK_ASSIGN_OR_RETURN(auto repo, OpenRepository(o.repo));
  VK_ASSIGN_OR_RETURN(auto ids, repo->ListIds(repo::kLocksDir));
  repo::LockEnv env = repo::SystemLockEnv();
  nlohmann::ordered_json removed = nlohmann::ordered_json::array();
  nlohmann::ordered_json kept = nlohmann::ordered_json::array();
  for (const std::string& id : ids) {
    auto json = repo->LoadUnpacked(repo::kLocksDir, id);
    bool stale = true;  // an unreadable lock file protects nothing
    if (json.ok()) {
      auto info = repo::ParseLock(*json);
      if (info.ok()) stale = repo::IsStale(*info, env);
    } else if (json.status().code() == StatusCode::kNotFound) {
      continue;  // released while we looked
    }
    if (!stale && !o.remove_all) {
      kept.push_back(id);
      continue;
    }
    Status st = repo->storage().Remove(std::string(repo::kLocksDir) + "/" + id);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
    removed.push_back(id);
  }
  if (o.json) {
    PrintOut(
        nlohmann::ordered_json{{"removed", removed}, {"kept", kept}}.dump(2) +
        "\n");
  } else {
    PrintOut("removed " + std::to_string(removed.size()) + " lock(s)" +
             (kept.empty() ? std::string()
                           : "; " + std::to_string(kept.size()) +
                                 " lock(s) still held by live processes "
                                 "(use --remove-all if you are sure)") +
             "\n");
  }
  return Status::Ok();
}

}  // namespace

void RegisterUnlock(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<UnlockOptions>();
  CLI::App* cmd = app.add_subcommand("unlock", "Remove stale locks.");
  cmd->add_flag("--remove-all", o->remove_all,
                "Remove every lock, stale or not");
  cmd->add_flag("--json", o->json, "Print as JSON");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunUnlock(*o); }; });
}

}  // namespace vk::cli
