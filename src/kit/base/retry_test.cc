#include "kit/base/retry.h"

#include <gtest/gtest.h>

#include "kit/testing/fake_clock.h"

namespace vk {
namespace {

using std::chrono::milliseconds;

RetryPolicy Pinned(double u) {
  return RetryPolicy{.attempts = 6,
                     .initial = milliseconds(100),
                     .max = milliseconds(1000),
                     .jitter = [u] { return u; }};
}

TEST(Backoff, DoublesFromInitialUpToTheCap) {
  RetryPolicy p = Pinned(0.9999999);  // the top of each range
  EXPECT_EQ(Backoff(p, 1), milliseconds(100));
  EXPECT_EQ(Backoff(p, 2), milliseconds(200));
  EXPECT_EQ(Backoff(p, 3), milliseconds(400));
  EXPECT_EQ(Backoff(p, 4), milliseconds(800));
  EXPECT_EQ(Backoff(p, 5), milliseconds(1000));
  EXPECT_EQ(Backoff(p, 60), milliseconds(1000));  // no overflow
}

TEST(Backoff, JitterSpansTheUpperHalf) {
  EXPECT_EQ(Backoff(Pinned(0), 3), milliseconds(200));
  EXPECT_EQ(Backoff(Pinned(0.5), 3), milliseconds(300));
  RetryPolicy random = Pinned(0);
  random.jitter = nullptr;  // the real generator
  for (int i = 0; i < 200; ++i) {
    milliseconds w = Backoff(random, 3);
    ASSERT_GE(w, milliseconds(200));
    ASSERT_LE(w, milliseconds(400));
  }
}

TEST(Backoff, DegeneratePolicies) {
  RetryPolicy zero{.initial = milliseconds(0), .max = milliseconds(0)};
  EXPECT_EQ(Backoff(zero, 4), milliseconds(0));
  RetryPolicy inverted{.initial = milliseconds(500),
                       .max = milliseconds(50),
                       .jitter = [] { return 0.9999999; }};
  EXPECT_EQ(Backoff(inverted, 1), milliseconds(50));
  EXPECT_EQ(Attempts(RetryPolicy{.attempts = 0}), 1);
  EXPECT_EQ(Attempts(RetryPolicy{.attempts = 7}), 7);
}

TEST(WaitBeforeRetry, SleepsOnTheGivenClock) {
  testing::FakeClock clock;
  RetryPolicy p = Pinned(0);
  EXPECT_EQ(WaitBeforeRetry(p, 1, clock), milliseconds(50));
  EXPECT_EQ(WaitBeforeRetry(p, 2, clock), milliseconds(100));
  ASSERT_EQ(clock.sleeps().size(), 2u);
  EXPECT_EQ(clock.slept(), milliseconds(150));
}

}  // namespace
}  // namespace vk
