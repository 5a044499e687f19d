#include "kit/base/clock.h"

#include <thread>

namespace vk {
namespace {

class SystemClock final : public Clock {
 public:
  TimePoint Now() override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() override {
    return std::chrono::system_clock::now();
  }
  void SleepFor(Duration d) override {
    if (d > Duration::zero()) std::this_thread::sleep_for(d);
  }
};

}  // namespace

Clock& RealClock() {
  static SystemClock clock;
  return clock;
}

double SecondsSince(Clock& clock, Clock::TimePoint start) {
  return std::chrono::duration<double>(clock.Now() - start).count();
}

}  // namespace vk
