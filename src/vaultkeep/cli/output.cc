#include "vaultkeep/cli/output.h"

#include <cstdio>

#include "kit/base/result.h"

namespace vk::cli {
Result<Format> ParseFormat(std::string_view name) {
  if (name == "text" || name == "table") return Format::kText;
  if (name == "json") return Format::kJson;
  return InvalidArgument("unknown --format \"" + std::string(name) +
                         "\" (expected text or json)");
}

void PrintOut(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void PrintWarning(std::string_view line) {
  std::fprintf(stderr, "vaultkeep: warning: %.*s\n",
               static_cast<int>(line.size()), line.data());
}

}  // namespace vk::cli
