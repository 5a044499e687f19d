#include "vaultkeep/cli/tabwriter.h"

#include <gtest/gtest.h>

namespace vk::cli {
namespace {

// Expected strings worked out from Go's text/tabwriter rules with
// minwidth 8, padding 6 (the settings Vault's inspect command uses).
TEST(TabwriterTest, MetaBlockLikeVault) {
  std::string t = Tabulate(" ID\tbolt-snapshot\n Size\t10\n Version\t1\n");
  EXPECT_EQ(t,
            " ID           bolt-snapshot\n"
            " Size         10\n"
            " Version      1\n");
}

TEST(TabwriterTest, BlocksEndAtLinesWithoutTheColumn) {
  std::string t = Tabulate(
      " Key Name\tCount\tSize\n"
      " ----\t----\t----\n"
      " core/keyring\t1\t200B\n"
      " ----\t----\n"
      " Total Size\t\t200B");
  // Column 0 is 19 wide (" core/keyring" + 6); column 1 is 11 wide in the
  // first block and 8 (minwidth) in the block of the last line.
  EXPECT_EQ(t,
            " Key Name          Count      Size\n"
            " ----              ----       ----\n"
            " core/keyring      1          200B\n"
            " ----              ----\n"
            " Total Size                200B");
}

TEST(TabwriterTest, VaultByteSize) {
  EXPECT_EQ(VaultByteSize(0), "0");
  EXPECT_EQ(VaultByteSize(512), "512B");
  EXPECT_EQ(VaultByteSize(1536), "1.5KB");
  EXPECT_EQ(VaultByteSize(2 * 1024 * 1024), "2MB");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(12), "12 B");
}

}  // namespace
}  // namespace vk::cli
