// vaultkeep init: create a restic-format (v2) repository that both
// vaultkeep and the restic CLI can open.
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "kit/base/time.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"

namespace vk::cli {
namespace {

struct InitOptions {
  RepoOptions repo;
};

Status RunInit(const InitOptions& o) {
  // Check the location and the password before creating anything.
  VK_RETURN_IF_ERROR(CheckRepoLocation(o.repo));
  VK_ASSIGN_OR_RETURN(std::string password, ReadPassword(o.repo, true));
  if (password.empty()) {
    return InvalidArgument("an empty password is not allowed");
  }
  VK_ASSIGN_OR_RETURN(auto storage, OpenRepoStorage(o.repo, true));
  std::string where = storage->properties().location;
  repo::InitOptions io;
  io.created = FormatRfc3339(std::chrono::system_clock::now());
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  io.hostname = host;
  const char* user = std::getenv("USER");
  io.username = user ? user : "";
  VK_ASSIGN_OR_RETURN(auto repo,
                      repo::Repository::Init(std::move(storage), password, io));
  PrintOut("created repository " + repo->config().id.substr(0, 10) + " at " +
           where +
           "\n\nThe password is required to access the repository: "
           "losing it means losing the backups in it.\n");
  return Status::Ok();
}

}  // namespace

void RegisterInit(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<InitOptions>();
  CLI::App* cmd = app.add_subcommand(
      "init",
      "Create a new repository (restic format v2, readable by restic).");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunInit(*o); }; });
}

}  // namespace vk::cli
