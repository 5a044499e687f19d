// The command table: each cmd_<verb>.cc registers one subcommand whose
// callback parses into an options struct, calls one library function and
// renders the result. Only cli/ prints.
#ifndef VAULTKEEP_CLI_COMMAND_H_
#define VAULTKEEP_CLI_COMMAND_H_

#include <CLI/CLI.hpp>

#include <functional>

#include "base/status.h"

namespace vk::cli {

// Set by the selected subcommand; main() runs it after parsing.
using Action = std::function<Status()>;

void RegisterInspect(CLI::App& app, Action* action);
void RegisterVerify(CLI::App& app, Action* action);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_COMMAND_H_
