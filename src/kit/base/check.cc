#include "kit/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace vk::internal {

// The one place outside cli/ that writes to stderr: a failed invariant is a
// bug, and the process is about to abort.
void CheckFailed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "vaultkeep: internal check failed: %s at %s:%d\n", expr,
               file, line);
  std::abort();
}

}  // namespace vk::internal
