// Output helpers shared by commands: stdout for results, stderr for the one
// error sentence. Nothing here prints secrets: commands pass only
// non-secret text.
#ifndef VAULTKEEP_CLI_OUTPUT_H_
#define VAULTKEEP_CLI_OUTPUT_H_

#include <string>
#include <string_view>

#include "kit/base/result.h"

namespace vk::cli {

enum class Format { kText, kJson };

// Parses --format; "table" is accepted as a synonym of text (Vault's name).
Result<Format> ParseFormat(std::string_view name);

void PrintOut(std::string_view text);  // stdout, adds nothing
// "vaultkeep: warning: <line>" on stderr.
void PrintWarning(std::string_view line);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_OUTPUT_H_
