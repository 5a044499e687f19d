// vaultkeep check [--read-data]: verify the repository's structure (and
// with --read-data every byte of it) like `restic check`. Each problem is
// one "error: " line on stderr (warnings "warning: "); the last line on
// stdout is "no errors were found" or how many were. Exit 0 without errors
// (warnings allowed), 3 with any.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "vaultkeep/backup/check.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/progress.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/tabwriter.h"

namespace vk::cli {
namespace {

struct CheckCmdOptions {
  RepoOptions repo;
  bool read_data = false;
  bool json = false;
};

std::string Counted(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

Status RunCheck(const CheckCmdOptions& o, Context* ctx) {
  // restic check takes an exclusive lock by default. check only reads, and
  // a shared lock already keeps prune/forget (exclusive) out, so nothing
  // can remove files under it; a concurrent backup only adds files: a pack
  // it stores before its index is reported as unreferenced (a warning),
  // and an index or snapshot written after our listing is not seen.
  VK_ASSIGN_OR_RETURN(access::OpenRepo opened,
                      OpenRepository(o.repo, access::LockMode::kShared));
  repo::Repository* repo = opened.repo.get();
  Result<backup::CheckReport> result = Internal("check did not run");
  {
    Progress progress(o.read_data ? "checking (reading all data)" : "checking",
                      0);
    backup::CheckOptions co;
    co.read_data = o.read_data;
    co.on_bytes_read = [&progress](uint64_t n) { progress.Add(n); };
    result = backup::CheckRepository(*repo, co);
  }
  VK_RETURN_IF_ERROR(result.status());
  const backup::CheckReport& r = *result;
  if (o.json) {
    nlohmann::ordered_json j{{"ok", r.ok()},
                             {"read_data", o.read_data},
                             {"errors", r.errors},
                             {"warnings", r.warnings},
                             {"key_files", r.key_files},
                             {"index_files", r.index_files},
                             {"packs", r.packs},
                             {"blobs", r.blobs},
                             {"blobs_read", r.blobs_read},
                             {"snapshots", r.snapshots},
                             {"trees", r.trees},
                             {"data_blobs_referenced", r.data_blobs_referenced},
                             {"bytes_read", r.bytes_read}};
    PrintOut(j.dump(2) + "\n");
  } else {
    for (const std::string& w : r.warnings) {
      std::fprintf(stderr, "warning: %s\n", w.c_str());
    }
    for (const std::string& e : r.errors) {
      std::fprintf(stderr, "error: %s\n", e.c_str());
    }
    std::string counts = "checked " +
                         Counted(r.key_files, "key file", "key files") + ", " +
                         Counted(r.index_files, "index file", "index files") +
                         ", " + Counted(r.packs, "pack", "packs") + " (" +
                         Counted(r.blobs, "blob", "blobs") + "), " +
                         Counted(r.snapshots, "snapshot", "snapshots") + ", " +
                         Counted(r.trees, "tree", "trees") + "; read " +
                         HumanBytes(r.bytes_read);
    if (o.read_data) {
      counts += " (" + Counted(r.blobs_read, "blob", "blobs") + " verified)";
    }
    if (!r.warnings.empty()) {
      counts += "; " + Counted(r.warnings.size(), "warning", "warnings");
    }
    PrintOut(counts + "\n");
    PrintOut(r.ok() ? std::string("no errors were found\n")
                    : Counted(r.errors.size(), "error was found",
                              "errors were found") +
                          "\n");
  }
  if (r.ok()) return Status::Ok();
  ctx->error_reported = true;  // listed above
  return Corruption("check found " +
                    Counted(r.errors.size(), "error", "errors"));
}

}  // namespace

void RegisterCheck(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<CheckCmdOptions>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Check the repository for damage, like restic check.");
  cmd->add_flag("--read-data", o->read_data,
                "Also read every pack: hash it and open every blob");
  cmd->add_flag("--json", o->json, "Print the report as JSON");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback(
      [o, ctx] { ctx->action = [o, ctx] { return RunCheck(*o, ctx); }; });
}

}  // namespace vk::cli
