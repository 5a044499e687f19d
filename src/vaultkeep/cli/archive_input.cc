#include "vaultkeep/cli/archive_input.h"

#include "kit/env/file.h"

namespace vk::cli {

std::string DisplayName(const std::string& path) {
  return path == "-" ? "standard input" : path;
}

Result<snapshot::ArchiveInfo> ReadArchiveFile(
    const std::string& path, const snapshot::ReadOptions& options,
    snapshot::ArchiveVisitor* visitor) {
  VK_ASSIGN_OR_RETURN(auto file, FileSource::Open(path));
  auto info = snapshot::ReadArchive(*file, options, visitor);
  if (!info.ok()) return info.status().WithContext(DisplayName(path));
  return info;
}

}  // namespace vk::cli
