#include <gtest/gtest.h>

#include "kit/crypto/aead.h"
#include "kit/crypto/sha256.h"

namespace vk {
namespace {

TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(HexEncode(Sha256::Of(AsBytes(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Sha256 h;
  h.Update(AsBytes("ab"));
  h.Update(AsBytes("c"));
  EXPECT_EQ(HexEncode(h.Finish()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Finish resets.
  EXPECT_EQ(HexEncode(h.Finish()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HexTest, RoundTripAndErrors) {
  auto d = HexDecode("00FFa1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(HexEncode(AsBytes(*d)), "00ffa1");
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(AeadTest, RoundTripAndTamper) {
  std::string key(32, 'k'), nonce(12, 'n');
  auto ct = AesGcmSeal(AsBytes(key), AsBytes(nonce), AsBytes("secret"),
                       AsBytes("path"));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(ct->size(), 6 + kGcmTagSize);
  auto pt =
      AesGcmOpen(AsBytes(key), AsBytes(nonce), AsBytes(*ct), AsBytes("path"));
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(*pt, "secret");
  auto wrong_aad =
      AesGcmOpen(AsBytes(key), AsBytes(nonce), AsBytes(*ct), AsBytes("other"));
  EXPECT_EQ(wrong_aad.status().code(), StatusCode::kCorruption);
  std::string bad = *ct;
  bad[0] ^= 1;
  EXPECT_FALSE(
      AesGcmOpen(AsBytes(key), AsBytes(nonce), AsBytes(bad), AsBytes("path"))
          .ok());
  EXPECT_NE(RandomBytes(16), RandomBytes(16));
}

}  // namespace
}  // namespace vk
