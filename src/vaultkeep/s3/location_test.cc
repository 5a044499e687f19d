#include "vaultkeep/s3/location.h"

#include <gtest/gtest.h>

#include "vaultkeep/s3/credentials.h"

namespace vk::s3 {
namespace {

Location Parse(std::string_view s) {
  Result<Location> l = ParseLocation(s);
  EXPECT_TRUE(l.ok()) << s << ": " << l.status().ToString();
  return l.ok() ? *l : Location{};
}

TEST(LocationTest, ResticSpellings) {
  Location a = Parse("s3:https://127.0.0.1:9000/bucket/some/prefix");
  EXPECT_EQ(a.scheme, "https");
  EXPECT_EQ(a.endpoint, "127.0.0.1:9000");
  EXPECT_EQ(a.bucket, "bucket");
  EXPECT_EQ(a.prefix, "some/prefix");
  EXPECT_EQ(a.ToString(), "s3:https://127.0.0.1:9000/bucket/some/prefix");

  Location b = Parse("s3:s3.amazonaws.com/my-bucket");
  EXPECT_EQ(b.scheme, "https");
  EXPECT_EQ(b.endpoint, "s3.amazonaws.com");
  EXPECT_EQ(b.bucket, "my-bucket");
  EXPECT_EQ(b.prefix, "");

  Location c = Parse("s3:http://localhost:80/b-1//x/./y/");
  EXPECT_EQ(c.scheme, "http");
  EXPECT_EQ(c.endpoint, "localhost");  // the default port is implied
  EXPECT_EQ(c.prefix, "x/y");

  Location d = Parse("s3://minio.example:9000/backups/vault");
  EXPECT_EQ(d.scheme, "https");
  EXPECT_EQ(d.endpoint, "minio.example:9000");
  EXPECT_EQ(d.prefix, "vault");
}

TEST(LocationTest, Rejects) {
  for (const char* bad :
       {"local:/x", "s3:", "s3:host", "s3:host/", "s3:https:///bucket",
        "s3:host/ab", "s3:host/-bucket", "s3:host/bucket/../up",
        "s3:host/bu cket"}) {
    Result<Location> l = ParseLocation(bad);
    EXPECT_EQ(l.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  Result<Location> creds = ParseLocation("s3:http://AKID:hunter2pw@host/bucket");
  ASSERT_FALSE(creds.ok());
  EXPECT_EQ(creds.status().message().find("hunter2pw"), std::string::npos);
  EXPECT_NE(creds.status().message().find("AWS_ACCESS_KEY_ID"),
            std::string::npos);
}

TEST(LocationTest, BucketLookup) {
  EXPECT_TRUE(UsesPathStyle(Parse("s3:http://127.0.0.1:4568/bucket"),
                            BucketLookup::kAuto));
  EXPECT_FALSE(UsesPathStyle(Parse("s3:s3.amazonaws.com/bucket"),
                             BucketLookup::kAuto));
  EXPECT_FALSE(UsesPathStyle(Parse("s3:storage.googleapis.com/bucket"),
                             BucketLookup::kAuto));
  // Dotted names break TLS wildcards under virtual hosting.
  EXPECT_TRUE(UsesPathStyle(Parse("s3:s3.amazonaws.com/my.bucket"),
                            BucketLookup::kAuto));
  EXPECT_FALSE(UsesPathStyle(Parse("s3:http://127.0.0.1:4568/bucket"),
                             BucketLookup::kDns));
  EXPECT_TRUE(UsesPathStyle(Parse("s3:s3.amazonaws.com/bucket"),
                            BucketLookup::kPath));
  EXPECT_EQ(*ParseBucketLookup("dns"), BucketLookup::kDns);
  EXPECT_FALSE(ParseBucketLookup("virtual").ok());
}

TEST(CredentialsTest, SharedFileProfiles) {
  const char* text =
      "# comment\n"
      "[default]\n"
      "aws_access_key_id = AKIDDEFAULT\n"
      "aws_secret_access_key=secretdefault\n"
      "\n"
      "[backup]\r\n"
      "AWS_ACCESS_KEY_ID = AKIDBACKUP\r\n"
      "aws_secret_access_key = secret/backup+\r\n"
      "aws_session_token = tok\r\n"
      "[broken]\n"
      "aws_access_key_id = only\n";
  auto d = ParseSharedCredentials(text, "default", "f");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->access_key_id, "AKIDDEFAULT");
  EXPECT_EQ(d->secret_access_key, "secretdefault");
  EXPECT_EQ(d->session_token, "");
  auto b = ParseSharedCredentials(text, "backup", "f");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->access_key_id, "AKIDBACKUP");
  EXPECT_EQ(b->secret_access_key, "secret/backup+");
  EXPECT_EQ(b->session_token, "tok");
  auto missing = ParseSharedCredentials(text, "nope", "/home/x/.aws/creds");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/home/x/.aws/creds"),
            std::string::npos);
  auto broken = ParseSharedCredentials(text, "broken", "f");
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(broken.status().message().find("only"), std::string::npos);
}

}  // namespace
}  // namespace vk::s3
