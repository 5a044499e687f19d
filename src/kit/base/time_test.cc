#include "kit/base/time.h"

#include <gtest/gtest.h>

namespace vk {
namespace {

using std::chrono::system_clock;

TEST(Rfc3339, RoundTripsWhatGoWrites) {
  for (const char* s : {"2026-11-28T04:40:56.967579907Z",
                        "2024-05-01T02:00:00Z", "2024-02-29T23:59:59.5Z"}) {
    auto t = ParseRfc3339(s);
    ASSERT_TRUE(t.ok()) << s << ": " << t.status().message();
    EXPECT_EQ(FormatRfc3339(*t), s);
  }
}

TEST(Rfc3339, KeepsTheZone) {
  auto z = ParseRfc3339Zoned("2026-01-02T03:04:05-05:00");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->utc_offset_seconds, -18000);
  EXPECT_EQ(FormatRfc3339(z->time), "2026-01-02T08:04:05Z");
  EXPECT_TRUE(ParseRfc3339("2026-01-02t03:04:05.1z").ok());
}

// Each of these was "fixed" silently (or overflowed) before: the parser
// must refuse them instead of storing another time.
TEST(Rfc3339, RefusesOutOfRangeFields) {
  for (const char* s :
       {"9999-99-99T99:99:99Z", "2026-02-31T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-10T00:00:00Z", "2026-01-00T00:00:00Z", "2026-01-01T24:30:00Z",
        "2026-01-01T10:60:00Z", "2026-01-01T10:00:60Z",
        "2026-01-01T00:00:00+99:00", "2026-01-01T00:00:00+01:60",
        "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z"}) {
    auto t = ParseRfc3339(s);
    EXPECT_FALSE(t.ok()) << s << " parsed as " << FormatRfc3339(*t);
  }
  EXPECT_TRUE(ParseRfc3339("2000-02-29T00:00:00Z").ok());  // 400-year leap
}

TEST(Rfc3339, RefusesMalformedText) {
  for (const char* s :
       {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z",
        "2026-1-01T00:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zx",
        "2026-01-01T00:00:00+0100", "+2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00 Z", "２026-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(s).ok()) << s;
  }
}

TEST(Rfc3339, ClampsFarTimesAndSaysSo) {
  auto zero = ParseRfc3339("0001-01-01T00:00:00Z");  // Go's zero time
  ASSERT_TRUE(zero.ok());
  EXPECT_FALSE(InClockRange(*zero));
  auto far = ParseRfc3339("9999-12-31T23:59:59Z");
  ASSERT_TRUE(far.ok());
  EXPECT_FALSE(InClockRange(*far));
  EXPECT_TRUE(InClockRange(*ParseRfc3339("2261-12-31T00:00:00Z")));
}

}  // namespace
}  // namespace vk
