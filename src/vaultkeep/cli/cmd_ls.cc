// vaultkeep ls SNAPSHOT: list the files of a snapshot, depth first, like
// `restic ls -l`.
#include <nlohmann/json.hpp>

#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/tabwriter.h"

namespace vk::cli {
namespace {

struct LsOptions {
  RepoOptions repo;
  std::string snapshot;
  bool json = false;
};

constexpr int kMaxDepth = 64;

Status Walk(repo::Repository& repo, const Sha256Digest& tree,
            const std::string& prefix, int depth, bool json, std::string* out) {
  if (depth > kMaxDepth) {
    return Corruption("tree " + HexEncode(tree) + " nests deeper than " +
                      std::to_string(kMaxDepth) + " levels");
  }
  VK_ASSIGN_OR_RETURN(auto nodes, backup::LoadTree(repo, tree));
  for (const repo::Node& n : nodes) {
    std::string path = prefix + "/" + n.name;
    if (json) {
      nlohmann::ordered_json j{{"path", path},   {"name", n.name},
                               {"type", n.type}, {"mode", n.mode},
                               {"size", n.size}, {"mtime", n.mtime}};
      *out += j.dump() + "\n";
    } else {
      *out += n.type + "\t" + std::to_string(n.size) + "\t" + n.mtime + "\t" +
              path + "\n";
    }
    if (n.type == "dir" && n.subtree) {
      VK_RETURN_IF_ERROR(Walk(repo, *n.subtree, path, depth + 1, json, out));
    }
  }
  return Status::Ok();
}

Status RunLs(const LsOptions& o) {
  VK_ASSIGN_OR_RETURN(auto repo, OpenRepository(o.repo));
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  VK_ASSIGN_OR_RETURN(auto snap, FindSnapshotWarn(*repo, o.snapshot));
  std::string out;
  VK_RETURN_IF_ERROR(Walk(*repo, snap.file.tree, "", 0, o.json, &out));
  PrintOut(o.json ? out : Tabulate(out, {.minwidth = 1, .padding = 2}));
  return Status::Ok();
}

}  // namespace

void RegisterLs(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<LsOptions>();
  CLI::App* cmd = app.add_subcommand("ls", "List the files in a snapshot.");
  cmd->add_option("snapshot", o->snapshot, "Snapshot ID (prefix) or latest")
      ->required();
  cmd->add_flag("--json", o->json, "One JSON object per line");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunLs(*o); }; });
}

}  // namespace vk::cli
