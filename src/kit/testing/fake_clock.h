// FakeClock: a Clock whose time moves only when the code under test sleeps
// (or the test calls Advance). SleepFor returns at once after moving the
// time on and recording the wait, so a test of a retry or a deadline runs
// in microseconds and can assert every wait. Thread-safe.
#ifndef KIT_TESTING_FAKE_CLOCK_H_
#define KIT_TESTING_FAKE_CLOCK_H_

#include <chrono>
#include <mutex>
#include <vector>

#include "kit/base/clock.h"

namespace vk::testing {

class FakeClock final : public Clock {
 public:
  // Starts at an arbitrary monotonic point and at `wall` on the wall clock.
  explicit FakeClock(std::chrono::system_clock::time_point wall =
                         std::chrono::system_clock::time_point(
                             std::chrono::seconds(1'700'000'000)));

  TimePoint Now() override;
  std::chrono::system_clock::time_point WallNow() override;
  void SleepFor(Duration d) override;

  // Moves both times on without recording a sleep.
  void Advance(Duration d);
  // Every SleepFor so far, in order.
  std::vector<Duration> sleeps() const;
  // Their sum.
  Duration slept() const;

 private:
  mutable std::mutex mu_;
  Duration elapsed_{0};
  std::chrono::system_clock::time_point wall_;
  std::vector<Duration> sleeps_;
};

}  // namespace vk::testing

#endif  // KIT_TESTING_FAKE_CLOCK_H_
