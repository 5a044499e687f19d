#include "kit/base/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace vk {

void InitLogging(int verbosity) {
  // _mt: library code logs from worker threads (transfers, pack uploads).
  auto logger = spdlog::stderr_logger_mt("vaultkeep");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v",
                      spdlog::pattern_time_type::utc);
  spdlog::level::level_enum level = spdlog::level::warn;
  if (verbosity == 1) level = spdlog::level::info;
  if (verbosity >= 2) level = spdlog::level::debug;
  if (const char* env = std::getenv("VAULTKEEP_LOG"); env && *env) {
    level = spdlog::level::from_str(env);
  }
  logger->set_level(level);
  spdlog::set_default_logger(logger);
}

}  // namespace vk
