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
  VK_ASSIGN_OR_RETURN(
      repo::UnlockResult r,
      repo::RemoveStaleLocks(*repo, o.remove_all, repo::SystemLockEnv()));
  const std::vector<std::string>& removed = r.removed;
  const std::vector<std::string>& kept = r.kept;
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
