#include "kit/crypto/restic_crypto.h"

#include <gtest/gtest.h>

#include "kit/crypto/sha256.h"

namespace vk::crypto {
namespace {

std::string Unhex(std::string_view h) { return *HexDecode(h); }

// Poly1305-AES test vector from Bernstein's Poly1305-AES paper (appendix
// B): r, k, nonce, message, expected tag. restic's MAC is this construction
// over the ciphertext with nonce = IV, so IV || m || tag must open.
TEST(ResticCryptoTest, Poly1305AesKnownAnswer) {
  ResticKey key{std::string(32, '\0'),
                Unhex("ec074c835580741701425b623235add6"),
                Unhex("851fc40c3467ac0be05cc20404f3f700")};
  std::string obj = Unhex("fb447350c4e868c52ac3275cf9d4327e") + Unhex("f3f6") +
                    Unhex("f4c633c3044fc145f84f335cb81953de");
  EXPECT_TRUE(ResticOpen(key, AsBytes(obj)).ok());
  obj.back() ^= 1;
  EXPECT_EQ(ResticOpen(key, AsBytes(obj)).status().code(),
            StatusCode::kCorruption);
}

TEST(ResticCryptoTest, SealOpenRoundTripAndLayout) {
  ResticKey key = ResticKey::Random();
  for (size_t n : {0, 1, 15, 16, 17, 1000, 100000}) {
    std::string pt(n, 'x');
    for (size_t i = 0; i < n; ++i) pt[i] = static_cast<char>(i * 7);
    std::string sealed = ResticSeal(key, AsBytes(pt));
    ASSERT_EQ(sealed.size(), n + kResticOverhead);
    auto back = ResticOpen(key, AsBytes(sealed));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, pt);
    if (n > 0) {
      EXPECT_NE(sealed.substr(16, n), pt);  // actually encrypted
    }
  }
}

TEST(ResticCryptoTest, CtrCounterIsTheWhole128BitBlock) {
  // An IV of ff..ff must carry into a counter of 00..00 for the second
  // block (Go's cipher.NewCTR), not wrap only the low 64 bits.
  ResticKey key = ResticKey::Random();
  std::string iv(16, '\xff');
  std::string zeros(32, '\0');
  std::string sealed = ResticSealWithIv(key, AsBytes(iv), AsBytes(zeros));
  std::string sealed2 =
      ResticSealWithIv(key, AsBytes(std::string(16, '\0')), AsBytes(zeros));
  // Keystream block 2 of IV ff..ff equals keystream block 1 of IV 00..00.
  EXPECT_EQ(sealed.substr(16 + 16, 16), sealed2.substr(16, 16));
}

TEST(ResticCryptoTest, WrongKeyAndShortInputFail) {
  ResticKey a = ResticKey::Random(), b = ResticKey::Random();
  std::string sealed = ResticSeal(a, AsBytes("secret"));
  EXPECT_EQ(ResticOpen(b, AsBytes(sealed)).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(ResticOpen(a, AsBytes(std::string(31, 'x'))).status().code(),
            StatusCode::kCorruption);
}

TEST(ResticCryptoTest, ScryptSplitsLikeRestic) {
  std::string salt(64, 's');
  auto k =
      DeriveResticKey("password", AsBytes(salt), {.n = 1024, .r = 8, .p = 1});
  ASSERT_TRUE(k.ok());
  EXPECT_TRUE(k->valid());
  auto again =
      DeriveResticKey("password", AsBytes(salt), {.n = 1024, .r = 8, .p = 1});
  EXPECT_EQ(k->encrypt, again->encrypt);
  auto other =
      DeriveResticKey("passwore", AsBytes(salt), {.n = 1024, .r = 8, .p = 1});
  EXPECT_NE(k->encrypt, other->encrypt);
  EXPECT_EQ(DeriveResticKey("p", AsBytes(salt), {.n = 1000, .r = 8, .p = 1})
                .status()
                .code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DeriveResticKey("p", AsBytes(salt), {.n = 1u << 30, .r = 8, .p = 1})
                .status()
                .code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace vk::crypto
