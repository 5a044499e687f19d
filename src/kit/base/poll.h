// PollUntil: the one loop for "ask until the answer is there or the time
// is up" (a restore to be applied, nodes to unseal, an active node, the raft
// peers to come back). It owns the deadline arithmetic, so the callers only
// say what one look is and what to say when time ran out.
#ifndef KIT_BASE_POLL_H_
#define KIT_BASE_POLL_H_

#include <chrono>
#include <functional>
#include <optional>

#include "kit/base/clock.h"
#include "kit/base/status.h"

namespace vk {

struct PollOptions {
  // Total time to keep looking; zero or less: look once.
  std::chrono::milliseconds timeout{0};
  // Pause between looks (shortened so as not to overrun the deadline).
  std::chrono::milliseconds interval{250};
  Clock* clock = nullptr;  // null: RealClock()
};

// One look: nullopt to look again, or the outcome (OK or an error) that
// ends the poll.
using PollStep = std::function<std::optional<Status>()>;

// Calls `look` at once and then every `interval` until it returns an
// outcome, which is returned; when `timeout` has passed without one,
// returns `timed_out()` (built then, so it can describe the last look).
// There is always at least one look, and the pause before the last one
// ends at the deadline rather than after it.
Status PollUntil(const PollOptions& o, const PollStep& look,
                 const std::function<Status()>& timed_out);

}  // namespace vk

#endif  // KIT_BASE_POLL_H_
