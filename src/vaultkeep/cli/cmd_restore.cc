// vaultkeep restore [SNAPSHOT|latest]: puts a backup back into a running
// Vault cluster, unseals it with the escrowed keys and proves it healthy
// (vaultkeep/ops/live_restore.h). --dry-run prints the plan and changes
// nothing.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "kit/base/strings.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/progress.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/tabwriter.h"
#include "vaultkeep/cli/test_hooks.h"
#include "vaultkeep/cli/vault_options.h"
#include "vaultkeep/ops/live_restore.h"

namespace vk::cli {
namespace {

struct RestoreFlags {
  RepoOptions repo;
  std::string snapshot = "latest";
  VaultFlags vault;
  bool force = false;
  bool dry_run = false;
  bool no_unseal = false;
  bool no_migrate = false;
  std::string probe_path;
  double settle_s = 180;
};

std::string SecondsText(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::string PlanText(const ops::RestorePlan& p, const ops::RestoreOptions& o,
                     bool dry_run) {
  const backup::Manifest& m = p.backup.manifest;
  std::string out;
  out += std::string(dry_run ? "Restore plan (dry run: nothing is changed)"
                             : "Restore plan") +
         "\n";
  out += "  snapshot     " + p.snapshot.id.substr(0, 8) + " of " +
         p.snapshot.file.time + " (" +
         (p.backup.layout == backup::BackupLayout::kStash ? "Stash layout"
                                                          : "vaultkeep") +
         ")\n";
  if (p.backup.layout == backup::BackupLayout::kVaultkeep) {
    out += "  raft         index " + std::to_string(m.index) + ", term " +
           std::to_string(m.term) + "\n";
  }
  if (m.cluster.captured) {
    out += "  source       cluster " + m.cluster.cluster_id + ", Vault " +
           m.cluster.vault_version + ", " + m.cluster.seal_type + " seal " +
           std::to_string(m.cluster.threshold) + " of " +
           std::to_string(m.cluster.shares) + "\n";
  }
  out += "  keys         " + std::to_string(p.keys.unseal_keys.size()) +
         " unseal keys" + (p.keys.root_token ? " and the root token" : "") +
         (p.keys.prefix.empty() ? "" : " (prefix " + p.keys.prefix + ")") +
         "\n";
  if (!p.keys.unseal_keys.empty()) {
    out += "  key check    " + p.key_check.Summary() + "\n";
  }
  if (p.resume) {
    out += "  target       " + std::to_string(p.nodes.size()) +
           " nodes, none active; " + p.seal.type + " seal " +
           std::to_string(p.seal.threshold) + " of " +
           std::to_string(p.seal.shares) + "\n";
    out += "  resume       " + p.resume_reason + "\n";
  } else {
    out += "  target       " + p.active.addr + " active, cluster " +
           p.active.health.cluster_id + ", Vault " + p.active.health.version +
           ", " + p.seal.type + " seal " + std::to_string(p.seal.threshold) +
           " of " + std::to_string(p.seal.shares) + "\n";
  }
  if (p.peers_known) {
    std::string peers;
    for (const auto& s : p.peers) {
      if (!peers.empty()) peers += ", ";
      peers += s.node_id + (s.leader ? " (leader)" : "");
    }
    out += "  peers        " + peers + "\n";
  }
  out += "  nodes        " + Join(p.nodes, ", ") + "\n";
  if (!p.resume) {
    out += "  1. upload    POST " + p.endpoint + " on " + p.active.addr + "\n";
    out += "  2. wait      for Vault's background restore\n";
  }
  if (!p.migrate_names.empty()) {
    out += "  3. migrate   " + std::to_string(p.migrate_names.size()) +
           " keys into " + p.key_store + " as " + p.migrate_names.front() +
           ", ...\n";
  }
  if (o.unseal && !p.keys.unseal_keys.empty()) {
    out += "  4. unseal    every node with the escrowed keys\n";
  }
  out += "  5. check     every node unsealed, one active, all peers voting\n";
  out += "  6. probe     auth/token/lookup-self" +
         std::string(o.probe_path.empty() ? "" : " and " + o.probe_path) +
         (p.keys.root_token ? " with the restored root token" : "") + "\n";
  for (const std::string& w : p.warnings) out += "  note: " + w + "\n";
  return out;
}

Status RunRestore(const RestoreFlags& f) {
  VK_ASSIGN_OR_RETURN(VaultSetup v,
                      ResolveVault(f.vault, Purpose::kRestore, true));
  ops::RestoreOptions o;
  o.addrs = v.addrs;
  o.find = v.find;
  o.force = f.force;
  o.unseal = !f.no_unseal;
  o.probe_path = f.probe_path;
  VK_ASSIGN_OR_RETURN(o.settle, Seconds("--settle", f.settle_s, false));
  o.on_step = [](const ops::RestoreStep& s) {
    std::fprintf(stderr, "%-16s %-8s %s\n", s.name.c_str(),
                 SecondsText(s.seconds).c_str(), s.detail.c_str());
    KillPoint(s.name);
  };
  int unsealed = 0;
  o.on_unsealed = [&unsealed](const std::string& addr) {
    std::fprintf(stderr, "%-16s %-8s %s\n", "unsealed node", "", addr.c_str());
    KillPoint("unsealed-node:" + std::to_string(++unsealed));
  };
  if (v.keys && !f.no_migrate) o.target_keys = v.keys.get();

  vault::Client client(v.client, v.token);
  VK_ASSIGN_OR_RETURN(access::OpenRepo opened,
                      OpenRepository(f.repo, access::LockMode::kShared));
  repo::Repository* repo = opened.repo.get();
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  VK_ASSIGN_OR_RETURN(backup::SnapshotEntry snap,
                      FindSnapshotWarn(*repo, f.snapshot));
  // The target prefix: the flag or the AppBinding's restore task, else
  // the names the keys had (same-named stores, e.g. a rebuilt cluster).
  Result<ops::RestorePlan> plan = [&]() -> Result<ops::RestorePlan> {
    o.target_prefix = v.key_prefix;
    VK_ASSIGN_OR_RETURN(ops::RestorePlan p,
                        ops::PlanRestore(client, *repo, snap, o));
    if (!v.key_prefix_known && p.keys.prefix != o.target_prefix) {
      o.target_prefix = p.keys.prefix;
      return ops::PlanRestore(client, *repo, snap, o);
    }
    return p;
  }();
  if (!plan.ok()) {
    (void)opened.Release();
    return plan.status().WithContext(
        "restore pre-flight (nothing was changed)");
  }
  PrintOut(PlanText(*plan, o, f.dry_run));
  if (f.dry_run) return opened.Release();

  Result<ops::RestoreReport> r = [&] {
    Progress progress("upload", 0);
    o.progress = [&](uint64_t bytes) {
      progress.Set(bytes);
      KillAfterBytes("upload", bytes);
    };
    return ops::ExecuteRestore(client, *repo, *plan, o);
  }();
  VK_RETURN_IF_ERROR(opened.Release());
  VK_RETURN_IF_ERROR(r.status());
  for (const std::string& n : r->notes) PrintWarning(n);
  std::string out = "Restored snapshot " + snap.id.substr(0, 8) + " in " +
                    SecondsText(r->seconds) + "; active node " + r->active +
                    "\n";
  for (const ops::RestoreStep& s : r->steps) {
    char line[64];
    std::snprintf(line, sizeof line, "  %-16s %8s  ", s.name.c_str(),
                  SecondsText(s.seconds).c_str());
    out += line + s.detail + "\n";
  }
  PrintOut(out);
  return Status::Ok();
}

}  // namespace

void RegisterRestore(CLI::App& app, Context* ctx) {
  auto f = std::make_shared<RestoreFlags>();
  CLI::App* cmd = app.add_subcommand(
      "restore",
      "Restore a backup into a running Vault cluster, unseal it with the "
      "escrowed keys and check it is healthy.");
  cmd->add_option("snapshot", f->snapshot,
                  "Snapshot ID, unique prefix, or latest")
      ->capture_default_str();
  cmd->add_flag("--force", f->force,
                "Use snapshot-force: restore into a cluster with other unseal "
                "keys (another cluster); the escrowed keys are migrated into "
                "the target's key store");
  cmd->add_flag("--dry-run", f->dry_run,
                "Run the pre-flight checks and print the plan; change nothing");
  cmd->add_flag("--no-unseal", f->no_unseal,
                "Leave unsealing to the operator or the cluster's unsealer");
  cmd->add_flag("--no-migrate", f->no_migrate,
                "Do not write the escrowed keys into the target's key store");
  cmd->add_option("--probe-path", f->probe_path,
                  "A path to read after the restore with the restored root "
                  "token (e.g. secret/data/app)");
  cmd->add_option("--settle", f->settle_s,
                  "Seconds to wait for each stage after the upload")
      ->capture_default_str();
  AddVaultFlags(cmd, &f->vault);
  AddRepoOptions(cmd, &f->repo);
  cmd->callback([f, ctx] { ctx->action = [f] { return RunRestore(*f); }; });
}

}  // namespace vk::cli
