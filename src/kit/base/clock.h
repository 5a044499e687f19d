// Clock: time as a seam. Code that reads the time or waits takes a Clock
// (options default to RealClock()), so that a test can run a retry loop,
// a deadline or a lock refresh on a fake clock (kit/testing/fake_clock.h)
// in microseconds, deterministically, and see every wait it asked for.
#ifndef KIT_BASE_CLOCK_H_
#define KIT_BASE_CLOCK_H_

#include <chrono>

namespace vk {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic time, for durations and deadlines.
  virtual TimePoint Now() = 0;
  // Wall-clock time, for what is recorded (snapshot times, lock files).
  virtual std::chrono::system_clock::time_point WallNow() = 0;
  // Blocks the calling thread for `d` (a fake advances its time instead).
  virtual void SleepFor(Duration d) = 0;
};

// The process's clock: steady_clock, system_clock, this_thread::sleep_for.
// Thread-safe; lives for the whole program.
Clock& RealClock();

// Seconds elapsed on `clock` since `start`.
double SecondsSince(Clock& clock, Clock::TimePoint start);

}  // namespace vk

#endif  // KIT_BASE_CLOCK_H_
