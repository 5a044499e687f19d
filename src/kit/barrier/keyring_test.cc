#include "kit/barrier/keyring.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kit/base/time.h"

namespace vk::barrier {
namespace {

Key MakeKey(uint32_t term, char fill, std::string time = "") {
  Key k;
  k.term = term;
  k.value = std::string(kKeySize, fill);
  k.install_time = std::move(time);
  return k;
}

TEST(KeyringTest, GenerateMakesOneTermOneKey) {
  Keyring k = Keyring::Generate();
  EXPECT_EQ(k.root_key().size(), 32u);
  EXPECT_EQ(k.active_term(), 1u);
  ASSERT_EQ(k.keys().size(), 1u);
  const Key* key = k.KeyForTerm(1);
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->term, 1u);
  EXPECT_EQ(key->version, 1);
  EXPECT_EQ(key->value.size(), 32u);
  EXPECT_NE(key->value, k.root_key());
  EXPECT_TRUE(ParseRfc3339(key->install_time).ok()) << key->install_time;
  EXPECT_EQ(key->install_time.back(), 'Z');
  EXPECT_EQ(k.KeyForTerm(2), nullptr);
  EXPECT_EQ(k.KeyForTerm(0), nullptr);

  Keyring other = Keyring::Generate();
  EXPECT_NE(other.root_key(), k.root_key());
  EXPECT_NE(other.KeyForTerm(1)->value, key->value);
}

TEST(KeyringTest, EncodeJsonIsVaultsEncodedKeyring) {
  auto k = Keyring::Make(std::string(32, 'r'),
                         {MakeKey(1, 'k', "2024-05-01T02:03:04.5Z")});
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->EncodeJson(),
            R"({"MasterKey":"cnJycnJycnJycnJycnJycnJycnJycnJycnJycnJycnI=",)"
            R"("Keys":[{"Term":1,"Version":1,)"
            R"("Value":"a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",)"
            R"("InstallTime":"2024-05-01T02:03:04.5Z"}],)"
            R"("RotationConfig":{"Disabled":false,"MaxOperations":3865470566,)"
            R"("Interval":0}})");
}

TEST(KeyringTest, JsonRoundTripKeepsEveryField) {
  Key k1 = MakeKey(1, 'a', "2024-01-01T00:00:00Z");
  Key k3 = MakeKey(3, 'c', "2025-02-03T04:05:06.123456789Z");
  k3.encryptions = 12345;
  RotationConfig rc{.disabled = true,
                    .max_operations = 2'000'000,
                    .interval_ns = 86'400'000'000'000};
  auto made = Keyring::Make(std::string(32, 'r'), {k3, k1}, rc);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->active_term(), 3u);

  std::string json = made->EncodeJson();
  EXPECT_NE(json.find(R"("encryptions":12345)"), std::string::npos) << json;
  // Keys are written by ascending term.
  EXPECT_LT(json.find(R"("Term":1)"), json.find(R"("Term":3)"));

  auto back = Keyring::DecodeJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->root_key(), std::string(32, 'r'));
  EXPECT_EQ(back->active_term(), 3u);
  ASSERT_EQ(back->keys().size(), 2u);
  const Key* b3 = back->KeyForTerm(3);
  ASSERT_NE(b3, nullptr);
  EXPECT_EQ(b3->value, std::string(32, 'c'));
  EXPECT_EQ(b3->install_time, "2025-02-03T04:05:06.123456789Z");
  EXPECT_EQ(b3->encryptions, 12345u);
  EXPECT_EQ(back->KeyForTerm(1)->encryptions, 0u);
  EXPECT_TRUE(back->rotation_config().disabled);
  EXPECT_EQ(back->rotation_config().max_operations, 2'000'000);
  EXPECT_EQ(back->rotation_config().interval_ns, 86'400'000'000'000);
  EXPECT_EQ(back->EncodeJson(), json);
}

TEST(KeyringTest, DecodeMatchesFieldNamesLikeGo) {
  // Go's encoding/json matches names case-insensitively; rotation config
  // and install time may be absent.
  auto k = Keyring::DecodeJson(
      R"({"masterkey":"cnJycnJycnJycnJycnJycnJycnJycnJycnJycnJycnI=",)"
      R"("keys":[{"term":7,"value":"a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",)"
      R"("Encryptions":3}],"Unknown":1})");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->active_term(), 7u);
  EXPECT_EQ(k->KeyForTerm(7)->encryptions, 3u);
  EXPECT_EQ(k->KeyForTerm(7)->install_time, "0001-01-01T00:00:00Z");
  EXPECT_EQ(k->rotation_config().max_operations, kDefaultMaxOperations);
}

TEST(KeyringTest, DecodeRejectsBadShapes) {
  const std::string root =
      R"("MasterKey":"cnJycnJycnJycnJycnJycnJycnJycnJycnJycnJycnI=")";
  const std::string value =
      R"("Value":"a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=")";
  const std::vector<std::string> bad = {
      "",
      "not json",
      "[]",
      R"({"MasterKey":"!!!!","Keys":[{"Term":1,)" + value + "}]}",
      R"({"MasterKey":"cnJy","Keys":[{"Term":1,)" + value + "}]}",  // 3 bytes
      "{" + root + "}",                                             // no keys
      "{" + root + R"(,"Keys":{}})",
      "{" + root + R"(,"Keys":[1]})",
      "{" + root + R"(,"Keys":[{"Term":-1,)" + value + "}]}",
      "{" + root + R"(,"Keys":[{"Term":4294967296,)" + value + "}]}",
      "{" + root + R"(,"Keys":[{"Term":"1",)" + value + "}]}",
      "{" + root + R"(,"Keys":[{"Term":0,)" + value + "}]}",
      "{" + root + R"(,"Keys":[{"Term":1,"Value":"a2tr"}]})",
      "{" + root + R"(,"Keys":[{"Term":1,)" + value + "},{\"Term\":1," + value +
          "}]}",
      "{" + root + R"(,"Keys":[{"Term":1,"InstallTime":"yesterday",)" + value +
          "}]}",
      "{" + root + R"(,"Keys":[{"Term":1,)" + value +
          R"(}],"RotationConfig":[]})",
  };
  for (const std::string& json : bad) {
    auto k = Keyring::DecodeJson(json);
    ASSERT_FALSE(k.ok()) << json;
    EXPECT_EQ(k.status().code(), StatusCode::kCorruption) << json;
  }
  // The good base case decodes, so the failures above are the mutations'.
  EXPECT_TRUE(
      Keyring::DecodeJson("{" + root + R"(,"Keys":[{"Term":1,)" + value + "}]}")
          .ok());
}

TEST(KeyringTest, MakeValidatesParts) {
  EXPECT_EQ(
      Keyring::Make(std::string(16, 'r'), {MakeKey(1, 'k')}).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_FALSE(Keyring::Make(std::string(32, 'r'), {}).ok());
  EXPECT_FALSE(Keyring::Make(std::string(32, 'r'), {MakeKey(0, 'k')}).ok());
  EXPECT_FALSE(
      Keyring::Make(std::string(32, 'r'), {MakeKey(2, 'a'), MakeKey(2, 'b')})
          .ok());
  Key short_key = MakeKey(1, 'k');
  short_key.value.resize(31);
  EXPECT_FALSE(Keyring::Make(std::string(32, 'r'), {short_key}).ok());
  // An empty default keyring has no active key.
  Keyring empty;
  EXPECT_EQ(empty.active_term(), 0u);
  EXPECT_EQ(empty.KeyForTerm(0), nullptr);
}

}  // namespace
}  // namespace vk::barrier
