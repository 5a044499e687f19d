// Opens FILE (or "-" for stdin) and runs the streaming archive reader on it;
// the shared first step of inspect and verify.
#ifndef VAULTKEEP_CLI_ARCHIVE_INPUT_H_
#define VAULTKEEP_CLI_ARCHIVE_INPUT_H_

#include <string>

#include "kit/snapshot/archive_reader.h"

namespace vk::cli {

// Errors carry the file name: "<file>: <what is wrong>".
Result<snapshot::ArchiveInfo> ReadArchiveFile(
    const std::string& path, const snapshot::ReadOptions& options,
    snapshot::ArchiveVisitor* visitor);

std::string DisplayName(const std::string& path);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_ARCHIVE_INPUT_H_
