#include "kit/base/poll.h"

#include <gtest/gtest.h>

#include "kit/testing/fake_clock.h"

namespace vk {
namespace {

using std::chrono::milliseconds;

TEST(PollUntil, ReturnsTheFirstOutcome) {
  testing::FakeClock clock;
  int looks = 0;
  Status st = PollUntil(
      {.timeout = milliseconds(1000),
       .interval = milliseconds(100),
       .clock = &clock},
      [&]() -> std::optional<Status> {
        if (++looks < 3) return std::nullopt;
        return NotFound("gone");
      },
      [] { return Unavailable("timed out"); });
  EXPECT_EQ(st, NotFound("gone"));
  EXPECT_EQ(looks, 3);
  EXPECT_EQ(clock.slept(), milliseconds(200));
}

TEST(PollUntil, TimesOutWithTheLastLookAtTheDeadline) {
  testing::FakeClock clock;
  std::vector<Clock::TimePoint> at;
  const Clock::TimePoint start = clock.Now();
  Status st = PollUntil(
      {.timeout = milliseconds(250),
       .interval = milliseconds(100),
       .clock = &clock},
      [&]() -> std::optional<Status> {
        at.push_back(clock.Now());
        return std::nullopt;
      },
      [&] { return Unavailable("after " + std::to_string(at.size())); });
  EXPECT_EQ(st, Unavailable("after 4"));
  ASSERT_EQ(at.size(), 4u);  // 0, 100, 200, 250 ms
  EXPECT_EQ(at.back() - start, milliseconds(250));
  EXPECT_EQ(clock.sleeps().back(), milliseconds(50));
}

TEST(PollUntil, ZeroTimeoutLooksOnce) {
  testing::FakeClock clock;
  int looks = 0;
  Status st = PollUntil(
      {.timeout = milliseconds(0), .clock = &clock},
      [&]() -> std::optional<Status> {
        ++looks;
        return std::nullopt;
      },
      [] { return Unavailable("no"); });
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(looks, 1);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(PollUntil, OkOutcomeEndsThePoll) {
  testing::FakeClock clock;
  EXPECT_TRUE(PollUntil(
                  {.timeout = milliseconds(10), .clock = &clock},
                  [] { return std::optional<Status>(Status::Ok()); },
                  [] { return Unavailable("no"); })
                  .ok());
}

}  // namespace
}  // namespace vk
