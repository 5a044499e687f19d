// vaultkeep snapshots: list the repository's snapshots, oldest first, with
// what Vault backup each holds (vaultkeep's layout or Stash's).
#include <nlohmann/json.hpp>

#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/tabwriter.h"

namespace vk::cli {
namespace {

struct SnapshotsOptions {
  RepoOptions repo;
  bool json = false;
};

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

Status RunSnapshots(const SnapshotsOptions& o) {
  VK_ASSIGN_OR_RETURN(auto repo, OpenRepository(o.repo));
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  VK_ASSIGN_OR_RETURN(auto all, ListSnapshotsWarn(*repo));
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  std::string table =
      "ID\tTime\tHost\tTags\tBackup\tVault index\tTerm\tPaths\n";
  for (const auto& s : all) {
    nlohmann::ordered_json j;
    j["id"] = s.id;
    j["short_id"] = s.id.substr(0, 8);
    j["time"] = s.file.time;
    j["hostname"] = s.file.hostname;
    j["username"] = s.file.username;
    j["tags"] = s.file.tags;
    j["paths"] = s.file.paths;
    std::string kind = "-", index = "", term = "";
    auto b = backup::OpenVaultBackup(*repo, s);
    if (b.ok()) {
      if (b->layout == backup::BackupLayout::kVaultkeep) {
        kind = "vaultkeep";
        index = std::to_string(b->manifest.index);
        term = std::to_string(b->manifest.term);
        j["vault"] = {{"layout", kind},
                      {"index", b->manifest.index},
                      {"term", b->manifest.term},
                      {"records", b->manifest.records},
                      {"sealed", b->manifest.sealed},
                      {"keys", b->manifest.keys}};
      } else {
        kind = "stash";
        nlohmann::ordered_json keys = nlohmann::ordered_json::array();
        for (const auto& k : b->keys) keys.push_back(k.name);
        j["vault"] = {{"layout", kind},
                      {"path", b->path},
                      {"archive_bytes", b->snap_file.size},
                      {"keys", keys}};
      }
    } else if (b.status().code() == StatusCode::kCorruption) {
      // Its data is damaged; list it all the same, as restic does.
      kind = "damaged";
      PrintWarning("snapshot " + s.id.substr(0, 8) + ": " +
                   b.status().message());
      j["vault"] = {{"error", b.status().message()}};
    } else if (b.status().code() != StatusCode::kFailedPrecondition) {
      return b.status().WithContext("snapshot " + s.id.substr(0, 8));
    } else {
      j["vault"] = nullptr;
    }
    arr.push_back(std::move(j));
    table += s.id.substr(0, 8) + "\t" + s.file.time + "\t" + s.file.hostname +
             "\t" + Join(s.file.tags) + "\t" + kind + "\t" + index + "\t" +
             term + "\t" + Join(s.file.paths) + "\n";
  }
  if (o.json) {
    PrintOut(arr.dump(2) + "\n");
  } else {
    PrintOut(Tabulate(table));
    PrintOut(std::to_string(all.size()) + " snapshots\n");
  }
  return Status::Ok();
}

}  // namespace

void RegisterSnapshots(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<SnapshotsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "snapshots", "List snapshots and the Vault backup each holds.");
  cmd->add_flag("--json", o->json, "Print as JSON");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunSnapshots(*o); }; });
}

}  // namespace vk::cli
