// vaultkeep stats: what the snapshots would take restored (raw) against
// what the repository stores, and the dedup ratio between them.
#include <nlohmann/json.hpp>

#include "vaultkeep/backup/catalog.h"
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

Result<uint64_t> DirBytes(repo::Repository& repo, const std::string& dir,
                          uint64_t* files) {
  uint64_t total = 0;
  VK_RETURN_IF_ERROR(
      repo.storage().List(dir + "/", [&](const storage::ObjectInfo& i) {
        total += i.size;
        ++*files;
        return Status::Ok();
      }));
  return total;
}

Status RunStats(const StatsOptions& o) {
  VK_ASSIGN_OR_RETURN(auto repo, OpenRepository(o.repo));
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  VK_ASSIGN_OR_RETURN(auto snaps, ListSnapshotsWarn(*repo));
  uint64_t raw = 0, vault_snaps = 0;
  for (const auto& s : snaps) {
    auto b = backup::OpenVaultBackup(*repo, s);
    if (!b.ok()) {
      if (b.status().code() == StatusCode::kFailedPrecondition) continue;
      if (b.status().code() == StatusCode::kCorruption) {
        PrintWarning("snapshot " + s.id.substr(0, 8) +
                     " not counted: " + b.status().message());
        continue;
      }
      return b.status().WithContext("snapshot " + s.id.substr(0, 8));
    }
    ++vault_snaps;
    if (b->layout == backup::BackupLayout::kStash) {
      raw += b->snap_file.size;
    } else {
      for (const auto& e : b->manifest.entries) raw += e.size;
    }
  }
  uint64_t packs = 0, other_files = 0;
  VK_ASSIGN_OR_RETURN(uint64_t pack_bytes,
                      DirBytes(*repo, repo::kDataDir, &packs));
  uint64_t stored = pack_bytes;
  for (const char* d : {repo::kIndexDir, repo::kSnapshotsDir}) {
    VK_ASSIGN_OR_RETURN(uint64_t n, DirBytes(*repo, d, &other_files));
    stored += n;
  }
  double ratio = stored ? static_cast<double>(raw) / stored : 0;
  if (o.json) {
    nlohmann::ordered_json j{{"snapshots", snaps.size()},
                             {"vault_snapshots", vault_snaps},
                             {"raw_bytes", raw},
                             {"stored_bytes", stored},
                             {"pack_bytes", pack_bytes},
                             {"packs", packs},
                             {"blobs", repo->index().size()},
                             {"dedup_ratio", ratio}};
    PrintOut(j.dump(2) + "\n");
    return Status::Ok();
  }
  char r[32];
  std::snprintf(r, sizeof r, "%.2fx", ratio);
  PrintOut(Tabulate("Snapshots\t" + std::to_string(snaps.size()) + " (" +
                    std::to_string(vault_snaps) + " Vault backups)\n" +
                    "Raw size\t" + HumanBytes(raw) + "\n" + "Stored size\t" +
                    HumanBytes(stored) + " (" + std::to_string(packs) +
                    " packs, " + std::to_string(repo->index().size()) +
                    " blobs)\n" + "Dedup ratio\t" + r + "\n"));
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
