#include "kit/base/poll.h"

#include <algorithm>

namespace vk {

Status PollUntil(const PollOptions& o, const PollStep& look,
                 const std::function<Status()>& timed_out) {
  Clock& clock = o.clock != nullptr ? *o.clock : RealClock();
  const Clock::TimePoint deadline = clock.Now() + o.timeout;
  for (;;) {
    if (std::optional<Status> outcome = look()) return *std::move(outcome);
    const Clock::TimePoint now = clock.Now();
    if (now >= deadline) return timed_out();
    // Never past the deadline, so the last look happens at it.
    clock.SleepFor(std::min<Clock::Duration>(o.interval, deadline - now));
  }
}

}  // namespace vk
