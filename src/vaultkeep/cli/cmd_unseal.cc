// vaultkeep unseal [SNAPSHOT|latest]: unseals the given nodes with the
// unseal keys a backup escrowed (vaultkeep/ops/unseal.h), e.g. a cluster a
// forced restore left sealed. Needs no Vault token.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/vault_options.h"
#include "vaultkeep/ops/unseal.h"

namespace vk::cli {
namespace {

struct UnsealFlags {
  RepoOptions repo;
  std::string snapshot = "latest";
  VaultFlags vault;
  double settle_s = 60;
  bool json = false;
};

Status RunUnseal(const UnsealFlags& f) {
  VK_ASSIGN_OR_RETURN(VaultSetup v,
                      ResolveVault(f.vault, Purpose::kRestore, false));
  ops::UnsealAllOptions o;
  VK_ASSIGN_OR_RETURN(o.settle, Seconds("--settle", f.settle_s, false));
  o.on_unsealed = [](const std::string& addr) {
    std::fprintf(stderr, "unsealed %s\n", addr.c_str());
  };
  vault::Client client(v.client, "");
  VK_ASSIGN_OR_RETURN(auto repo, OpenRepository(f.repo));
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  VK_ASSIGN_OR_RETURN(backup::SnapshotEntry snap,
                      FindSnapshotWarn(*repo, f.snapshot));
  Result<ops::UnsealReport> r =
      ops::UnsealFromBackup(client, *repo, snap, v.addrs, o);
  VK_RETURN_IF_ERROR(r.status());
  for (const std::string& n : r->notes.lines) PrintWarning(n);
  if (f.json) {
    nlohmann::ordered_json j{{"snapshot_id", snap.id},
                             {"unsealed", r->unsealed},
                             {"refused_keys", r->notes.bad},
                             {"key_check", r->key_check.Summary()}};
    PrintOut(j.dump(2) + "\n");
  } else {
    PrintOut("unsealed " + std::to_string(r->unsealed.size()) +
             " nodes with the keys of snapshot " + snap.id.substr(0, 8) + " (" +
             r->key_check.Summary() + ")\n");
  }
  return Status::Ok();
}

}  // namespace

void RegisterUnseal(CLI::App& app, Context* ctx) {
  auto f = std::make_shared<UnsealFlags>();
  CLI::App* cmd = app.add_subcommand(
      "unseal",
      "Unseal the given Vault nodes with the unseal keys a backup escrowed "
      "(bad keys are skipped and named); needs no token.");
  cmd->add_option("snapshot", f->snapshot,
                  "Snapshot ID, unique prefix, or latest")
      ->capture_default_str();
  cmd->add_option("--settle", f->settle_s,
                  "Seconds to wait for nodes that are restarting")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "Print the result as JSON");
  AddVaultFlags(cmd, &f->vault);
  AddRepoOptions(cmd, &f->repo);
  cmd->callback([f, ctx] { ctx->action = [f] { return RunUnseal(*f); }; });
}

}  // namespace vk::cli
