#include "vaultkeep/access/repo_access.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "kit/testing/test_dir.h"

namespace vk::access {
namespace {

TEST(DriverFor, EachLocationKindFindsItsDriver) {
  for (const auto& [where, name] :
       std::vector<std::pair<std::string, std::string>>{
           {"/srv/repo", "local"},
           {"relative/repo", "local"},
           {"local:/srv/repo", "local"},
           {"./odd:name", "local"},
           {"s3:s3.example.com/bucket/prefix", "s3"},
           {"s3:https://127.0.0.1:9000/bucket", "s3"}}) {
    Result<const storage::Driver*> d = DriverFor(where);
    ASSERT_TRUE(d.ok()) << where << ": " << d.status().ToString();
    EXPECT_EQ((*d)->name, name) << where;
  }
}

TEST(DriverFor, UnknownSchemeNamesItAndTheSupportedOnes) {
  Result<const storage::Driver*> d = DriverFor("sftp:host:/repo");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.status().message().find("\"sftp\" is not supported"),
            std::string::npos)
      << d.status().message();
  EXPECT_NE(d.status().message().find("local directories"), std::string::npos);
}

TEST(CheckLocation, LocalRefusesOptionsAndS3RefusesUnknownOnes) {
  RepoLocation local{"/srv/repo", {.extended = {"s3.region=eu-west-1"}}};
  Status s = CheckLocation(local);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("s3.region"), std::string::npos);

  RepoLocation s3{"s3:127.0.0.1:9000/bucket", {.extended = {"s3.colour=red"}}};
  s = CheckLocation(s3);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("unknown option"), std::string::npos);
}

TEST(ResolveLocation, FlagThenVaultkeepThenResticVariable) {
  ::setenv("VAULTKEEP_REPOSITORY", "/from/vaultkeep", 1);
  ::setenv("RESTIC_REPOSITORY", "/from/restic", 1);
  EXPECT_EQ(*ResolveLocation("/from/flag"), "/from/flag");
  EXPECT_EQ(*ResolveLocation(""), "/from/vaultkeep");
  ::unsetenv("VAULTKEEP_REPOSITORY");
  EXPECT_EQ(*ResolveLocation(""), "/from/restic");
  ::unsetenv("RESTIC_REPOSITORY");
  EXPECT_EQ(ResolveLocation("").status().code(), StatusCode::kInvalidArgument);
}

TEST(OpenStorage, CreatesALocalDirectoryOnlyWhenAsked) {
  const std::string dir = vk::testing::MakeTempDir() + "/repo";
  RepoLocation loc{"local:" + dir, {}};
  struct stat st;
  ASSERT_TRUE(OpenStorage(loc, false).ok());
  EXPECT_NE(::stat(dir.c_str(), &st), 0);  // opening alone makes nothing
  ASSERT_TRUE(OpenStorage(loc, true).ok());
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST(PasswordFromFileOrEnv, NoneGivenIsNotAnError) {
  ::unsetenv("VAULTKEEP_PASSWORD");
  ::unsetenv("RESTIC_PASSWORD_FILE");
  ::unsetenv("RESTIC_PASSWORD");
  Result<std::optional<std::string>> pw = PasswordFromFileOrEnv("");
  ASSERT_TRUE(pw.ok());
  EXPECT_FALSE(pw->has_value());
  ::setenv("RESTIC_PASSWORD", "from-restic", 1);
  EXPECT_EQ(**PasswordFromFileOrEnv(""), "from-restic");
  ::setenv("VAULTKEEP_PASSWORD", "from-vaultkeep", 1);
  EXPECT_EQ(**PasswordFromFileOrEnv(""), "from-vaultkeep");
  ::unsetenv("VAULTKEEP_PASSWORD");
  ::unsetenv("RESTIC_PASSWORD");
}

}  // namespace
}  // namespace vk::access
