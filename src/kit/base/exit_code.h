// Error classes and the stable exit codes the CLI maps them to.
//
// These numbers are a public contract (scripts and CronJobs test them); they
// are listed in docs/errors.md. Never renumber; only append.
#ifndef KIT_BASE_EXIT_CODE_H_
#define KIT_BASE_EXIT_CODE_H_

#include <string_view>

#include "kit/base/status.h"

namespace vk {

enum class ErrorClass {
  kNone,         // success
  kInternal,     // a bug: report it
  kUser,         // bad flags or input, missing file, refused access
  kCorruption,   // the data is damaged or incomplete
  kUnavailable,  // transient: retrying later may succeed
  kIO,           // the local file system failed (disk full, EIO)
};

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitCorruption = 3,
  kExitUnavailable = 4,
  kExitIO = 5,
};

ErrorClass ClassOf(StatusCode code);
int ExitCodeFor(const Status& status);
std::string_view ErrorClassName(ErrorClass c);

}  // namespace vk

#endif  // KIT_BASE_EXIT_CODE_H_
