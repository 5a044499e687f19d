#include "cli/output.h"

#include <cstdio>

#include "base/result.h"

namespace vk::cli {
namespace {
constexpr std::string_view kReportedTag = "\x01reported\x01";
}

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

Status Reported(const Status& status) {
  return Status(status.code(), std::string(kReportedTag) + status.message());
}

bool IsReported(const Status& status) {
  return status.message().rfind(kReportedTag, 0) == 0;
}

}  // namespace vk::cli
