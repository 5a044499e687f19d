// A port of the column layout of Go's text/tabwriter (cells separated by
// '\t', a line's last cell not aligned, columns laid out per block of
// consecutive lines), so that `vaultkeep inspect` prints the same table as
// `vault operator raft snapshot inspect` (minwidth 8, tabwidth 8,
// padding 6, pad with spaces).
#ifndef VAULTKEEP_CLI_TABWRITER_H_
#define VAULTKEEP_CLI_TABWRITER_H_

#include <string>
#include <string_view>

namespace vk::cli {

struct TabwriterOptions {
  size_t minwidth = 8;
  size_t padding = 6;
};

std::string Tabulate(std::string_view text, TabwriterOptions options = {});

// Vault's ByteSize(): "0", "512B", "1.5KB", "12MB", "1.2GB" (1024-based,
// one decimal, ".0" dropped).
std::string VaultByteSize(uint64_t bytes);

// Human size for our own lines: "12.3 MiB".
std::string HumanBytes(uint64_t bytes);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_TABWRITER_H_
