// vaultkeep: backup and disaster recovery for Vault / OpenBao raft clusters.
// main() is only the dispatch table and the Status -> exit code mapping.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "kit/base/exit_code.h"
#include "kit/base/log.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"

#ifndef VAULTKEEP_VERSION
#define VAULTKEEP_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{
      "vaultkeep: verified backup and restore of Vault/OpenBao raft "
      "snapshots.\nExit codes: 0 ok, 1 internal error, 2 usage or user "
      "error, 3 corrupt or incomplete data, 4 unavailable (retry), 5 local "
      "I/O error.",
      "vaultkeep"};
  app.set_version_flag("--version", VAULTKEEP_VERSION);
  int verbosity = 0;
  app.add_flag("-v,--verbose", verbosity,
               "More log output on stderr (-v info, -vv debug)");
  app.require_subcommand(1);
  app.fallthrough();  // -v after the command works too
  vk::cli::Context ctx;
  vk::cli::RegisterInit(app, &ctx);
  vk::cli::RegisterBackup(app, &ctx);
  vk::cli::RegisterAgent(app, &ctx);
  vk::cli::RegisterRestore(app, &ctx);
  vk::cli::RegisterDemo(app, &ctx);
  vk::cli::RegisterSnapshots(app, &ctx);
  vk::cli::RegisterLs(app, &ctx);
  vk::cli::RegisterDump(app, &ctx);
  vk::cli::RegisterCheck(app, &ctx);
  vk::cli::RegisterForget(app, &ctx);
  vk::cli::RegisterStats(app, &ctx);
  vk::cli::RegisterUnlock(app, &ctx);
  vk::cli::RegisterUnseal(app, &ctx);
  vk::cli::RegisterCat(app, &ctx);
  vk::cli::RegisterInspect(app, &ctx);
  vk::cli::RegisterVerify(app, &ctx);
  // CLI11 reports an unknown command as "A subcommand is required"; name it.
  std::string names;
  bool known = false;
  for (const CLI::App* sub : app.get_subcommands({})) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
    known = known || (argc > 1 && sub->get_name() == argv[1]);
  }
  if (argc > 1 && argv[1][0] != '-' && !known) {
    std::fprintf(stderr,
                 "vaultkeep: error: unknown command \"%s\" (commands: %s)\n",
                 argv[1], names.c_str());
    return vk::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : vk::kExitUsage;
  }
  vk::InitLogging(verbosity);
  vk::Status status =
      ctx.action ? ctx.action() : vk::Internal("no command selected");
  if (!status.ok() && !ctx.error_reported) {
    std::fprintf(stderr, "vaultkeep: error: %s\n", status.message().c_str());
  }
  return vk::ExitCodeFor(status);
}
