#include "kit/base/retry.h"

#include <algorithm>
#include <random>

namespace vk {

std::chrono::milliseconds Backoff(const RetryPolicy& p, int attempt) {
  using std::chrono::milliseconds;
  const milliseconds cap = std::max(p.max, milliseconds(0));
  milliseconds base = std::clamp(p.initial, milliseconds(0), cap);
  for (int i = 1; i < attempt && base < cap; ++i)
    base = std::min(base * 2, cap);
  double u;
  if (p.jitter) {
    u = std::clamp(p.jitter(), 0.0, 1.0);
  } else {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  }
  const int64_t half = base.count() / 2;
  return milliseconds(half +
                      static_cast<int64_t>(u * (base.count() - half) + 0.5));
}

std::chrono::milliseconds WaitBeforeRetry(const RetryPolicy& p, int attempt,
                                          Clock& clock) {
  std::chrono::milliseconds wait = Backoff(p, attempt);
  clock.SleepFor(wait);
  return wait;
}

int Attempts(const RetryPolicy& p) { return std::max(1, p.attempts); }

}  // namespace vk
