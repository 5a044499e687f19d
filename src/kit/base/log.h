// Process-wide logging to stderr (spdlog). A program's main calls
// InitLogging once; library code then logs through spdlog's default logger
// (spdlog::info for the steps of a long operation and retries with their
// reason, spdlog::debug for each HTTP call, spdlog::warn for what an
// operator should see even without -v) and never prints to stdout. Log
// lines carry no secrets: no token, key, password or header value, no
// query string.
#ifndef KIT_BASE_LOG_H_
#define KIT_BASE_LOG_H_

#include <string_view>

namespace vk {

// verbosity: 0 = warnings and errors only (default: quiet), 1 = info,
// 2+ = debug. VAULTKEEP_LOG=trace|debug|info|warn|error|off overrides.
void InitLogging(int verbosity);

}  // namespace vk

#endif  // KIT_BASE_LOG_H_
