#include "kit/barrier/barrier.h"

#include <gtest/gtest.h>

#include "kit/crypto/aead.h"

namespace vk::barrier {
namespace {

Key MakeKey(uint32_t term, char fill) {
  Key k;
  k.term = term;
  k.value = std::string(kKeySize, fill);
  return k;
}

Keyring MustMake(std::vector<Key> keys,
                 std::string root = std::string(32, 'r')) {
  auto k = Keyring::Make(std::move(root), std::move(keys));
  VK_CHECK(k.ok());
  return std::move(k).value();
}

bool IsAuthFailure(const Status& s) {
  return s.code() == StatusCode::kCorruption &&
         s.message().find("message authentication failed") != std::string::npos;
}

TEST(BarrierTest, RoundTrip) {
  Keyring k = Keyring::Generate();
  for (std::string pt : {std::string(), std::string("x"),
                         std::string(1000, 'v'), std::string("\0\1\2", 3)}) {
    auto ct = Encrypt(k, "logical/abc/foo", pt);
    ASSERT_TRUE(ct.ok()) << ct.status().ToString();
    auto back = Decrypt(k, "logical/abc/foo", *ct);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, pt);
  }
}

TEST(BarrierTest, ByteLayout) {
  Keyring k = MustMake({MakeKey(1, 'a'), MakeKey(0x01020304, 'b')});
  const std::string pt = "hello barrier";
  auto ct = Encrypt(k, "core/mounts", pt);
  ASSERT_TRUE(ct.ok());
  ASSERT_EQ(ct->size(), 5 + 12 + pt.size() + 16);
  EXPECT_EQ(ct->substr(0, 4), std::string("\x01\x02\x03\x04", 4));
  EXPECT_EQ(static_cast<uint8_t>((*ct)[4]), 0x02);
  EXPECT_EQ(*ValueTerm(*ct), 0x01020304u);
  // The rest is nonce || AES-256-GCM(data key of that term, AAD = path).
  auto open = AesGcmOpen(AsBytes(std::string(32, 'b')),
                         AsBytes(std::string_view(*ct).substr(5, 12)),
                         AsBytes(std::string_view(*ct).substr(17)),
                         AsBytes("core/mounts"));
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(*open, pt);
  // The nonce is random.
  auto again = Encrypt(k, "core/mounts", pt);
  EXPECT_NE(again->substr(5, 12), ct->substr(5, 12));
}

TEST(BarrierTest, OlderTermsStillDecrypt) {
  Keyring before = MustMake({MakeKey(1, 'a')});
  Keyring after = MustMake({MakeKey(1, 'a'), MakeKey(2, 'b')});
  auto old_value = Encrypt(before, "p", "old");
  auto new_value = Encrypt(after, "p", "new");
  EXPECT_EQ(*ValueTerm(*old_value), 1u);
  EXPECT_EQ(*ValueTerm(*new_value), 2u);
  EXPECT_EQ(*Decrypt(after, "p", *old_value), "old");
  EXPECT_EQ(*Decrypt(after, "p", *new_value), "new");
  auto unknown = Decrypt(before, "p", *new_value);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(unknown.status().message(),
            "no decryption key available for term 2");
}

TEST(BarrierTest, PathIsBoundAsAad) {
  Keyring k = Keyring::Generate();
  auto ct = Encrypt(k, "sys/token/id/abc", "secret");
  auto other = Decrypt(k, "sys/token/id/abd", *ct);
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(IsAuthFailure(other.status())) << other.status().ToString();
  EXPECT_EQ(other.status().message(),
            "decryption failed: cipher: message authentication failed");
  EXPECT_FALSE(Decrypt(k, "", *ct).ok());
}

TEST(BarrierTest, TamperingFails) {
  Keyring k = Keyring::Generate();
  auto ct = Encrypt(k, "p", "some plaintext");
  ASSERT_TRUE(ct.ok());
  for (size_t i = 5; i < ct->size(); ++i) {  // nonce, ciphertext and tag
    std::string bad = *ct;
    bad[i] ^= 0x01;
    auto r = Decrypt(k, "p", bad);
    ASSERT_FALSE(r.ok()) << i;
    EXPECT_TRUE(IsAuthFailure(r.status())) << i;
  }
  std::string truncated = ct->substr(0, ct->size() - 1);
  EXPECT_FALSE(Decrypt(k, "p", truncated).ok());
  // Version 1 means "no AAD": the tag no longer verifies.
  std::string v1 = *ct;
  v1[4] = 0x01;
  EXPECT_TRUE(IsAuthFailure(Decrypt(k, "p", v1).status()));
}

TEST(BarrierTest, FramingErrors) {
  Keyring k = Keyring::Generate();
  auto ct = Encrypt(k, "p", "x");
  std::string bad_version = *ct;
  bad_version[4] = 0x03;
  auto r = Decrypt(k, "p", bad_version);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(r.status().message(), "barrier value has unknown version byte 3");

  auto short_value = Decrypt(k, "p", std::string(32, '\0'));
  EXPECT_EQ(short_value.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(short_value.status().message(),
            "barrier value is too short (32 bytes, need at least 33)");
  EXPECT_FALSE(ValueTerm("abc").ok());

  Keyring empty;
  EXPECT_EQ(Encrypt(empty, "p", "x").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(BarrierTest, ReadsVersion1ValuesWithoutAad) {
  Keyring k = MustMake({MakeKey(1, 'a')});
  std::string nonce(12, 'n');
  auto body = AesGcmSeal(AsBytes(std::string(32, 'a')), AsBytes(nonce),
                         AsBytes("legacy"), ByteSpan());
  std::string value = std::string("\0\0\0\1\1", 5) + nonce + *body;
  EXPECT_EQ(*Decrypt(k, "any/path", value), "legacy");
}

TEST(BarrierTest, WrongKeyringFails) {
  Keyring a = Keyring::Generate();
  Keyring b = Keyring::Generate();  // also term 1, another key
  auto ct = Encrypt(a, "p", "x");
  auto r = Decrypt(b, "p", *ct);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsAuthFailure(r.status()));
}

TEST(BarrierTest, KeyringSealedWithRootKeyTermOne) {
  Keyring k = MustMake({MakeKey(1, 'a'), MakeKey(3, 'c')});
  auto sealed = SealKeyring(k);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->substr(0, 5), std::string("\0\0\0\1\2", 5));
  std::string json = k.EncodeJson();
  EXPECT_EQ(sealed->size(), kValueOverhead + json.size());
  // Encrypted with the root key and AAD "core/keyring".
  auto by_hand = AesGcmOpen(
      AsBytes(k.root_key()), AsBytes(std::string_view(*sealed).substr(5, 12)),
      AsBytes(std::string_view(*sealed).substr(17)), AsBytes(kKeyringPath));
  ASSERT_TRUE(by_hand.ok());
  EXPECT_EQ(*by_hand, json);

  auto opened = OpenKeyring(k.root_key(), *sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->active_term(), 3u);
  EXPECT_EQ(opened->EncodeJson(), json);
}

TEST(BarrierTest, OpenKeyringWithWrongRootKeyFails) {
  Keyring k = Keyring::Generate();
  auto sealed = SealKeyring(k);
  auto other = OpenKeyring(Keyring::Generate().root_key(), *sealed);
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(IsAuthFailure(other.status())) << other.status().ToString();
  // The data key is not the root key.
  EXPECT_FALSE(OpenKeyring(k.KeyForTerm(1)->value, *sealed).ok());

  std::string term2 = *sealed;
  term2[3] = 2;
  EXPECT_EQ(OpenKeyring(k.root_key(), term2).status().message(),
            "core/keyring: term mis-match");
  EXPECT_EQ(OpenKeyring(k.root_key(), "short").status().code(),
            StatusCode::kCorruption);
}

TEST(BarrierTest, UmbrellaHeaderNamesTheCorePaths) {
  EXPECT_EQ(kKeyringPath, "core/keyring");
  EXPECT_EQ(kSealConfigPath, "core/seal-config");
  EXPECT_EQ(kStoredKeysPath, "core/hsm/barrier-unseal-keys");
  EXPECT_EQ(kShamirKekPath, "core/shamir-kek");
  EXPECT_EQ(kAesGcmVersion2, 0x02);
}

}  // namespace
}  // namespace vk::barrier
