// vaultkeep stats: what the snapshots would take restored (raw) against
// what the repository stores, and the dedup ratio between them.
#include <nlohmann/json.hpp>

#include "vaultkeep/backup/stats.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/tabwriter.h"

namespace vk::cli {
namespace {

struct StatsOptions {
  RepoOptions repo;
  bool json = false;
};

Status RunStats(const StatsOptions& o) {
  VK_ASSIGN_OR_RETURN(auto repo, OpenRepository(o.repo));
  VK_ASSIGN_OR_RETURN(backup::RepoStats st, backup::ComputeStats(*repo));
  for (const std::string& line : st.notes) PrintWarning(line);
  const uint64_t raw = st.raw_bytes, stored = st.stored_bytes;
  const uint64_t packs = st.packs, pack_bytes = st.pack_bytes;
  const uint64_t vault_snaps = st.vault_snapshots;
  const double ratio = st.dedup_ratio;
  if (o.json) {
    nlohmann::ordered_json j{
        {"snapshots", st.snapshots}, {"vault_snapshots", vault_snaps},
        {"raw_bytes", raw},          {"stored_bytes", stored},
        {"pack_bytes", pack_bytes},  {"packs", packs},
        {"blobs", st.blobs},         {"dedup_ratio", ratio}};
    PrintOut(j.dump(2) + "\n");
    return Status::Ok();
  }
  char r[32];
  std::snprintf(r, sizeof r, "%.2fx", ratio);
  PrintOut(Tabulate("Snapshots\t" + std::to_string(st.snapshots) + " (" +
                    std::to_string(vault_snaps) + " Vault backups)\n" +
                    "Raw size\t" + HumanBytes(raw) + "\n" + "Stored size\t" +
                    HumanBytes(stored) + " (" + std::to_string(packs) +
                    " packs, " + std::to_string(st.blobs) + " blobs)\n" +
                    "Dedup ratio\t" + r + "\n"));
  return Status::Ok();
}

}  // namespace

void RegisterStats(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<StatsOptions>();
  CLI::App* cmd =
      app.add_subcommand("stats", "Raw vs stored bytes and the dedup ratio.");
  cmd->add_flag("--json", o->json, "Print as JSON");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunStats(*o); }; });
}

}  // namespace vk::cli
