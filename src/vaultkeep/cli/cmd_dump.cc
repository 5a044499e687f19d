// vaultkeep dump SNAPSHOT [-o FILE]: write the Vault archive a snapshot
// holds as a .snap that `vault operator raft snapshot restore` accepts.
// Streamed with no temporary file; -o FILE appears only once the whole
// archive was written and verified. A character device or FIFO is written
// in place; a symlink is refused (kit/env/file.h OpenOutput).
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "kit/env/file.h"
#include "vaultkeep/backup/dump.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/progress.h"
#include "vaultkeep/cli/repo_options.h"

namespace vk::cli {
namespace {

struct DumpCmdOptions {
  RepoOptions repo;
  std::string snapshot;
  std::string output = "-";
  int gzip_level = 0;
  bool json = false;
};

Status RunDump(const DumpCmdOptions& o) {
  if (o.gzip_level < 0 || o.gzip_level > 9) {
    return InvalidArgument("--gzip-level must be 0..9");
  }
  if (o.output == "-" && ::isatty(STDOUT_FILENO) == 1) {
    return InvalidArgument(
        "dump: refusing to write a binary archive to a terminal; use -o FILE "
        "or redirect stdout");
  }
  VK_ASSIGN_OR_RETURN(auto repo, OpenRepository(o.repo));
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  VK_ASSIGN_OR_RETURN(auto snap, FindSnapshotWarn(*repo, o.snapshot));
  VK_ASSIGN_OR_RETURN(auto b, backup::OpenVaultBackup(*repo, snap));
  uint64_t total = b.layout == backup::BackupLayout::kStash
                       ? b.snap_file.size
                       : b.manifest.tar_size;
  OutputKind kind;
  VK_ASSIGN_OR_RETURN(auto out, OpenOutput(o.output, &kind));
  const bool atomic = kind == OutputKind::kNewFile || kind == OutputKind::kFile;
  backup::DumpOptions dopt;
  dopt.gzip_level = o.gzip_level;
  Result<backup::DumpResult> r = [&] {
    Progress progress("dumping", total);
    CountingSink sink(out.get(), progress.Counter());
    return backup::DumpArchive(*repo, b, &sink, dopt);
  }();
  if (!r.ok()) {
    return r.status().WithContext(
        "snapshot " + snap.id.substr(0, 8) +
        (atomic ? " (no file written)" : " (output is incomplete)"));
  }
  VK_RETURN_IF_ERROR(out->Close().WithContext(atomic ? "no file written"
                                                     : "output is incomplete"));
  if (o.json && o.output != "-") {
    nlohmann::ordered_json j{
        {"snapshot_id", snap.id},
        {"output", o.output},
        {"bytes", r->bytes},
        {"layout",
         r->layout == backup::BackupLayout::kStash ? "stash" : "vaultkeep"}};
    PrintOut(j.dump(2) + "\n");
  }
  return Status::Ok();
}

}  // namespace

void RegisterDump(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<DumpCmdOptions>();
  CLI::App* cmd = app.add_subcommand(
      "dump", "Write a snapshot's Vault archive (.snap) to a file or stdout.");
  cmd->add_option("snapshot", o->snapshot, "Snapshot ID (prefix) or latest")
      ->required();
  cmd->add_option("-o,--output", o->output, "Output file, or - for stdout")
      ->capture_default_str();
  cmd->add_option("--gzip-level", o->gzip_level,
                  "0 (stored, fastest; Vault data barely compresses) to 9")
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "With -o: print a JSON summary");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunDump(*o); }; });
}

}  // namespace vk::cli
