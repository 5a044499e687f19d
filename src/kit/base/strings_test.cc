#include "kit/base/strings.h"

#include <gtest/gtest.h>

namespace vk {
namespace {

TEST(StringsTest, ParseUint64TakesWholeDecimalNumbersOnly) {
  EXPECT_EQ(ParseUint64("0"), 0u);
  EXPECT_EQ(ParseUint64("16777216"), 16777216u);
  EXPECT_EQ(ParseUint64("18446744073709551615"), UINT64_MAX);
  for (const char* bad :
       {"", " 1", "1 ", "-1", "+1", "12x", "0x10", "18446744073709551616"})
    EXPECT_EQ(ParseUint64(bad), std::nullopt) << bad;
}

TEST(StringsTest, PercentEncode) {
  EXPECT_EQ(PercentEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(PercentEncode("a/b c"), "a%2Fb%20c");
  EXPECT_EQ(PercentEncode("a/b c", true), "a/b%20c");
}

}  // namespace
}  // namespace vk
