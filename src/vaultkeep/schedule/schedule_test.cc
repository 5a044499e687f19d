#include "vaultkeep/schedule/schedule.h"

#include <gtest/gtest.h>

#include "kit/base/time.h"

namespace vk::schedule {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint T(const std::string& rfc3339) {
  Result<TimePoint> t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.ok()) << rfc3339;
  return *t;
}

// The first `n` firings after `from`, as RFC 3339 (UTC).
std::vector<std::string> Firings(const std::string& text,
                                 const std::string& from, int n) {
  Result<Schedule> s = Schedule::Parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status().ToString();
  std::vector<std::string> out;
  if (!s.ok()) return out;
  TimePoint t = T(from);
  for (int i = 0; i < n; ++i) {
    t = s->Next(t);
    out.push_back(FormatRfc3339(t));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Schedule, StepsAndRanges) {
  EXPECT_EQ(Firings("*/30 * * * *", "2026-12-02T10:07:13Z", 3),
            (V{"2026-12-02T10:30:00Z", "2026-12-02T11:00:00Z",
               "2026-12-02T11:30:00Z"}));
  EXPECT_EQ(Firings("5/20 9-10 * * *", "2026-12-02T09:30:00Z", 4),
            (V{"2026-12-02T09:45:00Z", "2026-12-02T10:05:00Z",
               "2026-12-02T10:25:00Z", "2026-12-02T10:45:00Z"}));
  EXPECT_EQ(Firings("0 8-18/5,23 * * *", "2026-12-02T00:00:00Z", 4),
            (V{"2026-12-02T08:00:00Z", "2026-12-02T13:00:00Z",
               "2026-12-02T18:00:00Z", "2026-12-02T23:00:00Z"}));
}

TEST(Schedule, StrictlyAfterAndWholeMinutes) {
  // A firing time itself is not "after" it.
  EXPECT_EQ(Firings("0 * * * *", "2026-12-02T10:00:00Z", 1),
            V{"2026-12-02T11:00:00Z"});
  EXPECT_EQ(Firings("* * * * *", "2026-12-02T10:00:59.9Z", 1),
            V{"2026-12-02T10:01:00Z"});
}

TEST(Schedule, NamesAndSundayAsSeven) {
  // 2026-12-06 is a Sunday.
  EXPECT_EQ(Firings("0 3 * * sun", "2026-12-02T00:00:00Z", 1),
            V{"2026-12-06T03:00:00Z"});
  EXPECT_EQ(Firings("0 3 * * 7", "2026-12-02T00:00:00Z", 1),
            V{"2026-12-06T03:00:00Z"});
  EXPECT_EQ(Firings("0 0 1 JAN,Jul *", "2026-12-02T00:00:00Z", 2),
            (V{"2027-01-01T00:00:00Z", "2027-07-01T00:00:00Z"}));
  EXPECT_EQ(Firings("0 12 * * MON-FRI", "2026-12-04T13:00:00Z", 1),
            V{"2026-12-07T12:00:00Z"});  // Friday after noon -> Monday
}

TEST(Schedule, BothDayFieldsRestrictedMeansEither) {
  // The 13th, or any Friday (Vixie cron).
  EXPECT_EQ(Firings("0 0 13 * 5", "2026-12-02T00:00:00Z", 3),
            (V{"2026-12-04T00:00:00Z", "2026-12-11T00:00:00Z",
               "2026-12-13T00:00:00Z"}));
  // With "*" in one of them, both must match: Fridays only.
  EXPECT_EQ(Firings("0 0 * * 5", "2026-12-02T00:00:00Z", 1),
            V{"2026-12-04T00:00:00Z"});
}

TEST(Schedule, LeapDay) {
  EXPECT_EQ(Firings("0 0 29 2 *", "2026-12-02T00:00:00Z", 2),
            (V{"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}));
}

TEST(Schedule, Shorthands) {
  EXPECT_EQ(Firings("@hourly", "2026-12-02T10:07:00Z", 1),
            V{"2026-12-02T11:00:00Z"});
  EXPECT_EQ(Firings("@daily", "2026-12-02T10:07:00Z", 1),
            V{"2026-12-03T00:00:00Z"});
  EXPECT_EQ(Firings("@weekly", "2026-12-02T10:07:00Z", 1),
            V{"2026-12-06T00:00:00Z"});
  EXPECT_EQ(Firings("@monthly", "2026-12-02T10:07:00Z", 1),
            V{"2027-01-01T00:00:00Z"});
  EXPECT_EQ(Firings("@yearly", "2026-12-02T10:07:00Z", 1),
            V{"2027-01-01T00:00:00Z"});
}

TEST(Schedule, Every) {
  auto s = Schedule::Parse("@every 1h30m");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->Next(T("2026-12-02T10:07:13Z")), T("2026-12-02T11:37:13Z"));
  EXPECT_EQ(s->Interval(T("2026-12-02T10:07:13Z")), minutes(90));
  EXPECT_EQ(Schedule::Parse("@every 45s")->Interval({}), seconds(45));
  EXPECT_EQ(Schedule::Parse("@every 2d")->Interval({}), hours(48));
}

TEST(Schedule, CronInterval) {
  auto s = Schedule::Parse("*/30 * * * *");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Interval(T("2026-12-02T10:07:00Z")), minutes(30));
  EXPECT_EQ(Schedule::Parse("@daily")->Interval(T("2026-12-02T10:00:00Z")),
            hours(24));
}

TEST(Schedule, TimeZones) {
  // 02:00 in Berlin is 01:00 UTC in winter, 00:00 UTC in summer.
  EXPECT_EQ(
      Firings("CRON_TZ=Europe/Berlin 0 2 * * *", "2026-12-02T00:00:00Z", 1),
      V{"2026-12-02T01:00:00Z"});
  EXPECT_EQ(Firings("TZ=Europe/Berlin 0 2 * * *", "2026-07-01T03:00:00Z", 1),
            V{"2026-07-02T00:00:00Z"});
  auto s = Schedule::Parse("CRON_TZ=America/New_York @daily");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->zone_name(), "America/New_York");
  EXPECT_EQ(FormatRfc3339(s->Next(T("2026-12-02T12:00:00Z"))),
            "2026-12-03T05:00:00Z");
  EXPECT_EQ(Schedule::Parse("0 0 * * *")->zone_name(), "UTC");
}

TEST(Schedule, SpringForwardFiresAtTheJump) {
  // Berlin skips 02:00-02:59 on 2026-03-29 (01:00 UTC).
  EXPECT_EQ(
      Firings("CRON_TZ=Europe/Berlin 30 2 * * *", "2026-03-28T12:00:00Z", 2),
      (V{"2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"}));
  // Every quarter hour: the skipped hour is one firing at the jump.
  EXPECT_EQ(
      Firings("CRON_TZ=Europe/Berlin */15 * * * *", "2026-03-29T00:40:00Z", 3),
      (V{"2026-03-29T00:45:00Z", "2026-03-29T01:00:00Z",
         "2026-03-29T01:15:00Z"}));
}

TEST(Schedule, FallBackFiresOnce) {
  // Berlin repeats 02:00-02:59 on 2026-10-25 (00:00-01:59 UTC).
  EXPECT_EQ(
      Firings("CRON_TZ=Europe/Berlin 30 2 * * *", "2026-10-24T12:00:00Z", 2),
      (V{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}));
}

TEST(Schedule, Errors) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {"* * * *", "has 5 fields"},
           {"* * * * * *", "not 6"},
           {"60 * * * *", "minute field \"60\": 60 is outside 0-59"},
           {"* 24 * * *", "hour field"},
           {"* * 0 * *", "day of month field"},
           {"* * * 13 *", "month field"},
           {"* * * * 8", "day of week field"},
           {"*/0 * * * *", "step out of range"},
           {"5-1 * * * *", "runs backwards"},
           {"1,,2 * * * *", "an empty item"},
           {"* * * FOO *", "unknown value"},
           {"x * * * *", "unknown value"},
           {"0 0 30 2 *", "never fires"},
           {"@often", "unknown shorthand"},
           {"@every", "needs an interval"},
           {"@every 10", "a number and a unit"},
           {"@every 10w", "unknown unit"},
           {"@every 0s", "below 1 s"},
           {"CRON_TZ=Mars/Olympus 0 0 * * *", "unknown time zone"},
       }) {
    Result<Schedule> s = Schedule::Parse(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_NE(s.status().message().find(c.says), std::string::npos)
        << c.text << ": " << s.status().message();
  }
}

}  // namespace
}  // namespace vk::schedule
