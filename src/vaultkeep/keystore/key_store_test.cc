#include "vaultkeep/keystore/key_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kit/env/file.h"
#include "kit/testing/test_dir.h"

namespace vk::keystore {
namespace {

TEST(KeyNames, KubeVaultNaming) {
  EXPECT_EQ(UnsealKeyName("k8s.kubevault.com.demo.vault", 0),
            "k8s.kubevault.com.demo.vault-unseal-key-0");
  EXPECT_EQ(RootTokenName("k8s.kubevault.com.demo.vault"),
            "k8s.kubevault.com.demo.vault-root-token");
  EXPECT_EQ(UnsealKeyName("", 4), "unseal-key-4");
  EXPECT_EQ(RootTokenName(""), "root-token");
}

TEST(KeyNames, PrefixValidation) {
  EXPECT_TRUE(ValidatePrefix("k8s.uid-1.ns_a.vault").ok());
  EXPECT_TRUE(ValidatePrefix("").ok());
  EXPECT_FALSE(ValidatePrefix("../etc").ok());
  EXPECT_FALSE(ValidatePrefix("a/b").ok());
  EXPECT_FALSE(ValidatePrefix("-x").ok());
}

TEST(DecodeValue, PlainJsonAndBad) {
  EXPECT_EQ(*DecodeValue("k", "abc123\n"), "abc123");
  EXPECT_EQ(*DecodeValue("k", "\"abc123\""), "abc123");  // Stash's files
  Result<std::string> empty = DecodeValue("k", " \n");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  Result<std::string> bad = DecodeValue("k", "\"secret-value");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("secret-value"), std::string::npos);
}

class DirStoreTest : public ::testing::Test {
 protected:
  std::string dir_ = vk::testing::MakeTempDir();
};

TEST_F(DirStoreTest, PutAllThenCollect) {
  auto store = NewDirKeyStore(dir_ + "/keys");
  std::map<std::string, std::string> keys = {{"p-root-token", "hvs.root"},
                                             {"p-unseal-key-0", "k0"},
                                             {"p-unseal-key-1", "k1"},
                                             {"p-unseal-key-2", "k2"}};
  ASSERT_TRUE(store->PutAll(keys).ok());
  struct stat st;
  ASSERT_EQ(::stat((dir_ + "/keys/p-unseal-key-1").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/keys").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  auto got = CollectKeys(*store, {.prefix = "p", .shares = 3});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 4u);
  EXPECT_EQ((*got)[0].name, "p-root-token");
  EXPECT_EQ((*got)[0].value, "hvs.root");
  EXPECT_EQ((*got)[3].name, "p-unseal-key-2");
  EXPECT_EQ((*got)[3].value, "k2");
}

TEST_F(DirStoreTest, MissingKeysAreListed) {
  auto store = NewDirKeyStore(dir_);
  ASSERT_TRUE(store->PutAll({{"p-unseal-key-0", "k0"}}).ok());
  auto got = CollectKeys(*store, {.prefix = "p", .shares = 3});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  const std::string m = got.status().message();
  EXPECT_NE(m.find("p-root-token"), std::string::npos) << m;
  EXPECT_NE(m.find("p-unseal-key-1, p-unseal-key-2"), std::string::npos) << m;
  EXPECT_EQ(m.find("k0"), std::string::npos);
}

TEST_F(DirStoreTest, MissingRootTokenCanBeAllowed) {
  auto store = NewDirKeyStore(dir_);
  ASSERT_TRUE(store->PutAll({{"unseal-key-0", "k0"}}).ok());
  auto strict = CollectKeys(*store, {.prefix = "", .shares = 1});
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.status().message().find("--allow-missing-root-token"),
            std::string::npos);
  auto lax = CollectKeys(
      *store, {.prefix = "", .shares = 1, .allow_missing_root_token = true});
  ASSERT_TRUE(lax.ok());
  ASSERT_EQ(lax->size(), 1u);
  EXPECT_EQ((*lax)[0].name, "unseal-key-0");
}

TEST_F(DirStoreTest, WorldReadableKeyIsRefused) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/unseal-key-0", "k0\n", 0644).ok());
  auto store = NewDirKeyStore(dir_);
  auto got = store->Get("unseal-key-0");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(got.status().message().find("0644"), std::string::npos);
}

TEST_F(DirStoreTest, MissingDirectoryIsNotFound) {
  auto store = NewDirKeyStore(dir_ + "/nope");
  auto got = store->Get("root-token");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
}

TEST_F(DirStoreTest, BadNameWritesNothing) {
  auto store = NewDirKeyStore(dir_);
  Status st = store->PutAll({{"a-good", "v"}, {"b/../bad", "v"}});
  ASSERT_FALSE(st.ok());
  EXPECT_FALSE(store->Get("a-good")->has_value());
  // No temp file left behind either.
  struct stat s;
  EXPECT_NE(::stat((dir_ + "/.a-good.tmp").c_str(), &s), 0);
}

TEST_F(DirStoreTest, OverwriteReplacesEveryKey) {
  auto store = NewDirKeyStore(dir_);
  ASSERT_TRUE(store->PutAll({{"unseal-key-0", "old"}}).ok());
  ASSERT_TRUE(store->PutAll({{"unseal-key-0", "new"}}).ok());
  EXPECT_EQ(**store->Get("unseal-key-0"), "new");
}

// Issue 14, item 6: the old store wrote "DIR/.<name>.tmp" with O_TRUNC and
// no O_EXCL/O_NOFOLLOW, so a planted 0644 file leaked the key to every
// user and a planted symlink sent it to an attacker's file.
TEST_F(DirStoreTest, PlantedTempFilesAndLinksAreNotUsed) {
  std::string keys = dir_ + "/keys";
  ASSERT_EQ(::mkdir(keys.c_str(), 0700), 0);
  std::string bait = dir_ + "/attacker-file";
  ASSERT_TRUE(WriteFileAtomic(bait, "", 0666).ok());
  ASSERT_EQ(::symlink(bait.c_str(), (keys + "/.p-unseal-key-0.tmp").c_str()),
            0);
  ASSERT_TRUE(WriteFileAtomic(keys + "/.p-root-token.tmp", "", 0644).ok());
  ::chmod((keys + "/.p-root-token.tmp").c_str(), 0644);
  auto store = NewDirKeyStore(keys);
  ASSERT_TRUE(
      store->PutAll({{"p-root-token", "hvs.root"}, {"p-unseal-key-0", "k0"}})
          .ok());
  EXPECT_EQ(*ReadSmallFile(bait), "");  // nothing went through the link
  for (const char* name : {"p-root-token", "p-unseal-key-0"}) {
    struct stat st;
    ASSERT_EQ(::lstat((keys + "/" + name).c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode)) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  EXPECT_EQ(*ReadSmallFile(keys + "/.p-root-token.tmp"), "");
  EXPECT_EQ(**store->Get("p-unseal-key-0"), "k0");
}

TEST_F(DirStoreTest, DirectoryOthersMayWriteIsRefused) {
  std::string keys = dir_ + "/keys";
  auto store = NewDirKeyStore(keys);
  ASSERT_TRUE(store->PutAll({{"p-unseal-key-0", "k0"}}).ok());
  for (mode_t mode : {0777, 0770, 01777, 0702}) {
    ASSERT_EQ(::chmod(keys.c_str(), mode), 0);
    auto got = store->Get("p-unseal-key-0");
    ASSERT_FALSE(got.ok()) << std::oct << mode;
    EXPECT_EQ(got.status().code(), StatusCode::kPermissionDenied);
    EXPECT_NE(got.status().message().find("writable"), std::string::npos);
    Status put = store->PutAll({{"p-unseal-key-0", "k1"}});
    EXPECT_EQ(put.code(), StatusCode::kPermissionDenied) << std::oct << mode;
  }
  ASSERT_EQ(::chmod(keys.c_str(), 0750), 0);  // group may read: allowed
  EXPECT_EQ(**store->Get("p-unseal-key-0"), "k0");
}

TEST_F(DirStoreTest, FailedPutAllLeavesOldKeysAndNoTemps) {
  std::string keys = dir_ + "/keys";
  auto store = NewDirKeyStore(keys);
  ASSERT_TRUE(store->PutAll({{"a", "old-a"}, {"b", "old-b"}}).ok());
  Status st = store->PutAll({{"a", "new-a"}, {"b/c", "x"}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(**store->Get("a"), "old-a");
  int entries = 0;
  for (const char* n : {"a", "b"})
    entries += ::access((keys + "/" + n).c_str(), F_OK) == 0;
  EXPECT_EQ(entries, 2);
}

}  // namespace
}  // namespace vk::keystore
