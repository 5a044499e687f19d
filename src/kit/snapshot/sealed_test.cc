#include "kit/snapshot/sealed.h"

#include <gtest/gtest.h>

namespace vk::snapshot {
namespace {

TEST(SealedTest, EncodesAsVaultDoes) {
  BlobInfo b;
  b.ciphertext = "ct";
  b.wrapped = true;
  b.has_key_info = true;
  EXPECT_EQ(EncodeBlobInfo(b), std::string("\x0a\x02"
                                           "ct"
                                           "\x20\x01\x2a\x00",
                                           8));
}

TEST(SealedTest, RoundTripsEveryField) {
  BlobInfo b;
  b.ciphertext = std::string(300, 'c');
  b.iv = "iv";
  b.hmac = "mac";
  b.wrapped = true;
  b.has_key_info = true;
  b.key_id = "key-1";
  auto got = ParseBlobInfo(EncodeBlobInfo(b));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->ciphertext, b.ciphertext);
  EXPECT_EQ(got->iv, "iv");
  EXPECT_EQ(got->hmac, "mac");
  EXPECT_TRUE(got->wrapped);
  EXPECT_TRUE(got->has_key_info);
  EXPECT_EQ(got->key_id, "key-1");
}

TEST(SealedTest, SkipsUnknownFields) {
  // field 9 fixed32, ciphertext, key_info{field 1 varint, key_id "k"}.
  std::string s("\x4d\x01\x02\x03\x04\x0a\x01x\x2a\x05\x08\x07\x1a\x01k", 15);
  auto got = ParseBlobInfo(s);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->ciphertext, "x");
  EXPECT_EQ(got->key_id, "k");
  EXPECT_FALSE(got->wrapped);
}

TEST(SealedTest, MalformedIsCorruption) {
  for (std::string s : {
           std::string("\x0a\x05x", 3),              // length past the end
           std::string("\x08\x01\x0a\x01x", 5),      // ciphertext as varint
           std::string("\x0a\x01x\x2a\x02\x1a", 6),  // key_info truncated
           std::string("\x0a\x01x\x00", 4),          // field number 0
           std::string("\x0a\x01x\x1b", 4),          // a group
       }) {
    auto got = ParseBlobInfo(s);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status(),
              Corruption("SHA256SUMS.sealed is not a valid BlobInfo protobuf"));
  }
  auto empty = ParseBlobInfo(std::string("\x20\x01", 2));
  EXPECT_EQ(empty.status(),
            Corruption("SHA256SUMS.sealed holds no ciphertext"));
}

TEST(SealedTest, SealOpenRoundTrip) {
  std::string kek(32, 'k');
  auto sealed = SealWithKek(kek, "sums", true, std::string(12, 'n'));
  ASSERT_TRUE(sealed.ok());
  auto opened = OpenWithKek(kek, *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "sums");
  EXPECT_EQ(OpenWithKek(std::string(32, 'x'), *sealed).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace vk::snapshot
