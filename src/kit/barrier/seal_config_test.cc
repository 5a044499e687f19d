#include "kit/barrier/seal_config.h"

#include <gtest/gtest.h>

namespace vk::barrier {
namespace {

TEST(SealConfigTest, EncodeIsVaultsJson) {
  SealConfig c{.secret_shares = 5, .secret_threshold = 3};
  EXPECT_EQ(EncodeSealConfig(c),
            R"({"type":"shamir","secret_shares":5,"secret_threshold":3,)"
            R"("pgp_keys":null,"nonce":"","backup":false,"stored_shares":1})");
}

TEST(SealConfigTest, RoundTrip) {
  SealConfig c{.secret_shares = 7, .secret_threshold = 4, .nonce = "abc"};
  auto back = DecodeSealConfig(EncodeSealConfig(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->type, "shamir");
  EXPECT_EQ(back->secret_shares, 7);
  EXPECT_EQ(back->secret_threshold, 4);
  EXPECT_EQ(back->stored_shares, 1);
  EXPECT_EQ(back->nonce, "abc");
}

TEST(SealConfigTest, DecodeFollowsGoDefaults) {
  auto c = DecodeSealConfig(
      R"({"type":"","secret_shares":3,"secret_threshold":2,)"
      R"("pgp_keys":["a","b","c"],"backup":true,"name":"default"})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->type, "shamir");
  EXPECT_EQ(c->secret_shares, 3);
  EXPECT_EQ(c->secret_threshold, 2);
  EXPECT_EQ(c->stored_shares, 0);  // absent: Go's zero value
  EXPECT_EQ(c->nonce, "");
}

TEST(SealConfigTest, DecodeRejectsBadShapes) {
  for (const char* json :
       {"", "nope", "[]", R"({"secret_shares":"5"})",
        R"({"secret_shares":1.5})", R"({"secret_threshold":true})",
        R"({"stored_shares":99999999999})", R"({"type":5})", R"({"nonce":1})",
        R"({"pgp_keys":"x"})", R"({"backup":"no"})"}) {
    auto c = DecodeSealConfig(json);
    ASSERT_FALSE(c.ok()) << json;
    EXPECT_EQ(c.status().code(), StatusCode::kCorruption) << json;
  }
}

TEST(SealConfigTest, ValidationRulesAndTexts) {
  auto msg = [](int shares, int threshold, int stored = 1) {
    Status s = ValidateSealConfig(SealConfig{.secret_shares = shares,
                                             .secret_threshold = threshold,
                                             .stored_shares = stored});
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    return s.message();
  };
  EXPECT_EQ(msg(0, 1), "shares must be at least one");
  EXPECT_EQ(msg(-1, 1), "shares must be at least one");
  EXPECT_EQ(msg(1, 0), "threshold must be at least one");
  EXPECT_EQ(msg(5, 1),
            "threshold must be greater than one for multiple shares");
  EXPECT_EQ(msg(256, 2), "shares must be less than 256");
  EXPECT_EQ(msg(10, 256), "threshold must be less than 256");
  EXPECT_EQ(msg(3, 4), "threshold cannot be larger than shares");
  EXPECT_EQ(msg(5, 3, 2), "stored keys cannot be larger than 1");

  for (auto [n, t] : {std::pair{1, 1}, {2, 2}, {5, 3}, {255, 255}, {255, 2}}) {
    EXPECT_TRUE(ValidateSealConfig(
                    SealConfig{.secret_shares = n, .secret_threshold = t})
                    .ok())
        << n << "/" << t;
  }
  EXPECT_TRUE(ValidateSealConfig(SealConfig{.secret_shares = 1,
                                            .secret_threshold = 1,
                                            .stored_shares = 0})
                  .ok());
}

}  // namespace
}  // namespace vk::barrier
