#include "kit/testing/fake_clock.h"

namespace vk::testing {

FakeClock::FakeClock(std::chrono::system_clock::time_point wall)
    : wall_(wall) {}

Clock::TimePoint FakeClock::Now() {
  std::lock_guard<std::mutex> lock(mu_);
  return TimePoint(std::chrono::hours(1000)) + elapsed_;
}

std::chrono::system_clock::time_point FakeClock::WallNow() {
  std::lock_guard<std::mutex> lock(mu_);
  return wall_ +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             elapsed_);
}

void FakeClock::SleepFor(Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  sleeps_.push_back(d);
  if (d > Duration::zero()) elapsed_ += d;
}

void FakeClock::Advance(Duration d) {
  std::lock_guard<std::mutex> lock(mu_);
  elapsed_ += d;
}

std::vector<Clock::Duration> FakeClock::sleeps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sleeps_;
}

Clock::Duration FakeClock::slept() const {
  std::lock_guard<std::mutex> lock(mu_);
  Duration sum{0};
  for (Duration d : sleeps_) sum += d;
  return sum;
}

}  // namespace vk::testing
