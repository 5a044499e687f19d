#include "kit/barrier/stored_keys.h"

#include <gtest/gtest.h>

#include "kit/base/strings.h"
#include "kit/crypto/aead.h"
#include "kit/snapshot/sealed.h"

namespace vk::barrier {
namespace {

TEST(StoredKeysTest, RoundTrip) {
  std::string kek = RandomBytes(32), root = RandomBytes(32);
  auto sealed = SealStoredKeys(kek, root);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  auto back = OpenStoredKeys(kek, *sealed);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, root);
}

TEST(StoredKeysTest, BlobInfoBytes) {
  std::string kek(32, 'k'), root(32, 'r');
  auto sealed = SealStoredKeys(kek, root);
  ASSERT_TRUE(sealed.ok());
  const std::string json =
      R"(["cnJycnJycnJycnJycnJycnJycnJycnJycnJycnJycnI="])";
  const size_t ct_len = 12 + json.size() + 16;  // 76
  // 0A <len> <nonce||ct||tag> then 2A 00; no 20 01 (wrapped=false).
  ASSERT_EQ(sealed->size(), 2 + ct_len + 2);
  EXPECT_EQ(static_cast<uint8_t>((*sealed)[0]), 0x0A);
  EXPECT_EQ(static_cast<uint8_t>((*sealed)[1]), ct_len);
  EXPECT_EQ(sealed->substr(sealed->size() - 2), std::string("\x2A\x00", 2));

  auto blob = snapshot::ParseBlobInfo(*sealed);
  ASSERT_TRUE(blob.ok());
  EXPECT_FALSE(blob->wrapped);
  EXPECT_TRUE(blob->has_key_info);
  EXPECT_TRUE(blob->key_id.empty());
  EXPECT_TRUE(blob->iv.empty());
  EXPECT_TRUE(blob->hmac.empty());
  // The plaintext is Go's JSON for [][]byte{root}, under the KEK, no AAD.
  std::string_view ct = blob->ciphertext;
  auto pt = AesGcmOpen(AsBytes(kek), AsBytes(ct.substr(0, 12)),
                       AsBytes(ct.substr(12)), ByteSpan());
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(*pt, json);
}

TEST(StoredKeysTest, WrongKekIsInvalidKey) {
  std::string kek = RandomBytes(32);
  auto sealed = SealStoredKeys(kek, RandomBytes(32));
  for (const std::string& wrong :
       {RandomBytes(32), RandomBytes(16), std::string()}) {
    auto r = OpenStoredKeys(wrong, *sealed);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "Unseal failed, invalid key");
  }
}

TEST(StoredKeysTest, CorruptStorageIsCorruption) {
  std::string kek = RandomBytes(32);
  auto code = [&](std::string_view stored) {
    return OpenStoredKeys(kek, stored).status().code();
  };
  EXPECT_EQ(code(""), StatusCode::kCorruption);
  EXPECT_EQ(code("\x0A\x05short"), StatusCode::kCorruption);
  EXPECT_EQ(code("not a protobuf at all"), StatusCode::kCorruption);
  // Decrypts, but the plaintext is not a non-empty array of base64 keys.
  for (const char* pt : {"{}", "[]", "[1]", R"(["!!"])", "nope"}) {
    auto sealed = snapshot::SealWithKek(kek, pt, /*wrapped=*/false);
    ASSERT_TRUE(sealed.ok());
    EXPECT_EQ(code(*sealed), StatusCode::kCorruption) << pt;
  }
  // A blob Vault >= 1.15 would write with wrapped=true opens as well.
  auto wrapped = snapshot::SealWithKek(
      kek, R"(["cnJycnJycnJycnJycnJycnJycnJycnJycnJycnJycnI="])", true);
  EXPECT_EQ(*OpenStoredKeys(kek, *wrapped), std::string(32, 'r'));
}

}  // namespace
}  // namespace vk::barrier
