// The command table: each cmd_<verb>.cc registers one subcommand whose
// callback parses into an options struct, calls one library function and
// renders the result. Only cli/ prints.
#ifndef VAULTKEEP_CLI_COMMAND_H_
#define VAULTKEEP_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <functional>

#include "kit/base/status.h"

namespace vk::cli {

// Shared between main() and the selected command.
struct Context {
  // Set by the selected subcommand's callback; main() runs it after parsing.
  std::function<Status()> action;
  // Set by a command that already reported its failure (e.g. as JSON on
  // stdout), so main() only maps it to the exit code.
  bool error_reported = false;
};

void RegisterAgent(CLI::App& app, Context* ctx);
void RegisterBackup(CLI::App& app, Context* ctx);
void RegisterCat(CLI::App& app, Context* ctx);
void RegisterCheck(CLI::App& app, Context* ctx);
void RegisterDump(CLI::App& app, Context* ctx);
void RegisterForget(CLI::App& app, Context* ctx);  // and prune
void RegisterStats(CLI::App& app, Context* ctx);
void RegisterUnlock(CLI::App& app, Context* ctx);
void RegisterUnseal(CLI::App& app, Context* ctx);
void RegisterInit(CLI::App& app, Context* ctx);
void RegisterInspect(CLI::App& app, Context* ctx);
void RegisterLs(CLI::App& app, Context* ctx);
void RegisterRestore(CLI::App& app, Context* ctx);
void RegisterDemo(CLI::App& app, Context* ctx);
void RegisterSnapshots(CLI::App& app, Context* ctx);
void RegisterVerify(CLI::App& app, Context* ctx);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_COMMAND_H_
