// Signatures checked against the worked examples in Amazon's S3 SigV4
// documentation (example credentials AKIAIOSFODNN7EXAMPLE, 2013-05-24);
// the same values come out of botocore's S3SigV4Auth.
#include "vaultkeep/s3/sigv4.h"

#include <gtest/gtest.h>

#include <ctime>

#include "kit/base/strings.h"

namespace vk::s3 {
namespace {

const Credentials kExample{"AKIAIOSFODNN7EXAMPLE",
                           "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

std::chrono::system_clock::time_point May24() {
  std::tm tm{};
  tm.tm_year = 113;
  tm.tm_mon = 4;
  tm.tm_mday = 24;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string Header(const Headers& h, std::string_view name) {
  for (const auto& [n, v] : h)
    if (n == name) return v;
  return "";
}

std::string SignatureOf(const SigningRequest& r) {
  std::string auth = Header(Sign(r, kExample, "us-east-1", May24()),
                            "Authorization");
  size_t at = auth.find("Signature=");
  return at == std::string::npos ? auth : auth.substr(at + 10);
}

TEST(SigV4Test, GetObjectWithRange) {
  SigningRequest r{.method = "GET",
                   .host = "examplebucket.s3.amazonaws.com",
                   .path = "/test.txt",
                   .headers = {{"Range", "bytes=0-9"}}};
  EXPECT_EQ(SignatureOf(r),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  Headers h = Sign(r, kExample, "us-east-1", May24());
  EXPECT_EQ(Header(h, "Authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
            "us-east-1/s3/aws4_request, SignedHeaders=host;range;"
            "x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd"
            "35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(Header(h, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(Header(h, "x-amz-content-sha256"), kEmptySha256);
  EXPECT_EQ(Header(h, "x-amz-security-token"), "");
}

TEST(SigV4Test, SubresourceAndListQueries) {
  SigningRequest lifecycle{.method = "GET",
                           .host = "examplebucket.s3.amazonaws.com",
                           .path = "/",
                           .query = {{"lifecycle", ""}}};
  EXPECT_EQ(SignatureOf(lifecycle),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  // Query parameters are signed sorted, whatever order they are given in.
  SigningRequest list{.method = "GET",
                      .host = "examplebucket.s3.amazonaws.com",
                      .path = "/",
                      .query = {{"prefix", "J"}, {"max-keys", "2"}}};
  EXPECT_EQ(SignatureOf(list),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, CanonicalRequestShape) {
  SigningRequest r{.method = "PUT",
                   .host = "127.0.0.1:9000",
                   .path = "/bucket/a%20b/c",
                   .query = {{"uploadId", "x/y"}, {"partNumber", "2"}},
                   .headers = {{"If-None-Match", "  *  "},
                               {"X-Amz-Meta-Note", "a   b"}},
                   .payload_sha256 = "00ff"};
  Credentials c = kExample;
  c.session_token = "session";
  EXPECT_EQ(CanonicalRequest(r, c, "20260101T000000Z"),
            "PUT\n/bucket/a%20b/c\npartNumber=2&uploadId=x%2Fy\n"
            "host:127.0.0.1:9000\nif-none-match:*\nx-amz-content-sha256:00ff\n"
            "x-amz-date:20260101T000000Z\nx-amz-meta-note:a b\n"
            "x-amz-security-token:session\n\n"
            "host;if-none-match;x-amz-content-sha256;x-amz-date;"
            "x-amz-meta-note;x-amz-security-token\n00ff");
  Headers h = Sign(r, c, "eu-west-1", May24());
  EXPECT_EQ(Header(h, "x-amz-security-token"), "session");
  EXPECT_NE(Header(h, "Authorization").find("/eu-west-1/s3/aws4_request"),
            std::string::npos);
  // The secret never appears in what is sent.
  for (const auto& [n, v] : h)
    EXPECT_EQ(v.find(kExample.secret_access_key), std::string::npos) << n;
}

TEST(SigV4Test, PercentEncodingAsSigned) {
  EXPECT_EQ(PercentEncode("data/ab/AZaz09-._~", true), "data/ab/AZaz09-._~");
  EXPECT_EQ(PercentEncode("a b/c+d=$"), "a%20b%2Fc%2Bd%3D%24");
  EXPECT_EQ(PercentEncode("\xff"), "%FF");
}

}  // namespace
}  // namespace vk::s3
