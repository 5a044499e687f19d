#include "vaultkeep/ops/escrowed_keys.h"

#include <gtest/gtest.h>

namespace vk::ops {
namespace {

TEST(ParseKeyName, KubeVaultNames) {
  std::string prefix;
  int index = -2;
  bool root = false;
  ASSERT_TRUE(ParseKeyName("k8s.kubevault.com.demo.vault-unseal-key-3", &prefix,
                           &index, &root));
  EXPECT_EQ(prefix, "k8s.kubevault.com.demo.vault");
  EXPECT_EQ(index, 3);
  EXPECT_FALSE(root);
  ASSERT_TRUE(ParseKeyName("k8s.kubevault.com.demo.vault-root-token", &prefix,
                           &index, &root));
  EXPECT_EQ(prefix, "k8s.kubevault.com.demo.vault");
  EXPECT_TRUE(root);
  ASSERT_TRUE(ParseKeyName("unseal-key-0", &prefix, &index, &root));
  EXPECT_EQ(prefix, "");
  EXPECT_EQ(index, 0);
  ASSERT_TRUE(ParseKeyName("root-token", &prefix, &index, &root));
  EXPECT_EQ(prefix, "");
  EXPECT_TRUE(root);
}

TEST(ParseKeyName, OtherFilesAreNotKeys) {
  std::string prefix;
  int index = 0;
  bool root = false;
  EXPECT_FALSE(ParseKeyName("backup.snap", &prefix, &index, &root));
  EXPECT_FALSE(ParseKeyName("x-unseal-key-", &prefix, &index, &root));
  EXPECT_FALSE(ParseKeyName("x-unseal-key-1a", &prefix, &index, &root));
  EXPECT_FALSE(ParseKeyName("xunseal-key-1", &prefix, &index, &root));
  EXPECT_FALSE(ParseKeyName("xroot-token", &prefix, &index, &root));
}

}  // namespace
}  // namespace vk::ops
