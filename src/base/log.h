// Process-wide logging to stderr (spdlog). Only cli/ and the daemon call
// these; library code reports through return values and callbacks.
#ifndef VAULTKEEP_BASE_LOG_H_
#define VAULTKEEP_BASE_LOG_H_

#include <string_view>

namespace vk {

// verbosity: 0 = warnings and errors only (default: quiet), 1 = info,
// 2+ = debug. VAULTKEEP_LOG=trace|debug|info|warn|error|off overrides.
void InitLogging(int verbosity);

}  // namespace vk

#endif  // VAULTKEEP_BASE_LOG_H_
