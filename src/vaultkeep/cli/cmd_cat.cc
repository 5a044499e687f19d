// vaultkeep cat config: show the decrypted repository config, as `restic
// cat config` does. Never prints key material.
#include <nlohmann/json.hpp>

#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"

namespace vk::cli {
namespace {

struct CatOptions {
  RepoOptions repo;
  std::string what;
};

Status RunCat(const CatOptions& o) {
  if (o.what != "config") {
    return InvalidArgument("cat: unknown object type \"" + o.what +
                           "\" (supported: config)");
  }
  VK_ASSIGN_OR_RETURN(auto repo, OpenRepository(o.repo));
  VK_ASSIGN_OR_RETURN(std::string json, repo->LoadConfigJson());
  auto parsed = nlohmann::ordered_json::parse(json, nullptr, false);
  PrintOut((parsed.is_discarded() ? json : parsed.dump(2)) + "\n");
  return Status::Ok();
}

}  // namespace

void RegisterCat(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<CatOptions>();
  CLI::App* cmd = app.add_subcommand(
      "cat", "Print decrypted repository metadata (cat config).");
  cmd->add_option("type", o->what, "What to print: config")->required();
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunCat(*o); }; });
}

}  // namespace vk::cli
