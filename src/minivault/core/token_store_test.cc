#include "minivault/core/token_store.h"

#include <gtest/gtest.h>

namespace vk::minivault {
namespace {

TEST(ParseDurationSeconds, AcceptsVaultForms) {
  EXPECT_EQ(ParseDurationSeconds(nlohmann::json()).value(), 0);
  EXPECT_EQ(ParseDurationSeconds(3600).value(), 3600);
  EXPECT_EQ(ParseDurationSeconds("90").value(), 90);
  EXPECT_EQ(ParseDurationSeconds("1h30m").value(), 5400);
  EXPECT_EQ(ParseDurationSeconds("1.5h").value(), 5400);
  EXPECT_EQ(ParseDurationSeconds("2d").value(), 172800);
  EXPECT_EQ(ParseDurationSeconds("1500ms").value(), 1);
  EXPECT_EQ(ParseDurationSeconds("").value(), 0);
}

TEST(ParseDurationSeconds, RefusesEverythingElseWithoutThrowing) {
  for (const char* bad : {".h", "1..5h", "h", "1x", "1h30", "abc", "--1s",
                          "99999999999999999h", "1.2.3s"}) {
    auto r = ParseDurationSeconds(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(ParseDurationSeconds(-5).ok());
  EXPECT_FALSE(ParseDurationSeconds(true).ok());
  EXPECT_FALSE(ParseDurationSeconds(nlohmann::json::array()).ok());
}

TEST(TokenIds, HaveVaultsShape) {
  std::string id = NewTokenId();
  ASSERT_EQ(id.size(), 28u);
  EXPECT_EQ(id.substr(0, 4), "hvs.");
  EXPECT_NE(NewTokenId(), id);
  EXPECT_EQ(NewAccessor().size(), 24u);
}

}  // namespace
}  // namespace vk::minivault
