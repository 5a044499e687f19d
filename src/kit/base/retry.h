// RetryPolicy: how often and how patiently a client retries a transient
// failure. One policy and one backoff for every client (the Vault API
// client, the S3 client), so that they cannot drift apart; each client
// decides *what* is transient, this decides *when* to try again.
#ifndef KIT_BASE_RETRY_H_
#define KIT_BASE_RETRY_H_

#include <chrono>
#include <functional>

#include "kit/base/clock.h"

namespace vk {

struct RetryPolicy {
  int attempts = 5;  // tries, the first included; values below 1 mean 1
  std::chrono::milliseconds initial{200};  // base of the first wait
  std::chrono::milliseconds max{5000};     // cap on the base of one wait
  // Source of uniform values in [0, 1) for the jitter; null: a per-thread
  // generator seeded from std::random_device. Tests pin it.
  std::function<double()> jitter;
};

// The wait after failed try number `attempt` (>= 1): a base of
// initial * 2^(attempt-1), capped at max, with "equal jitter" — uniform in
// [base/2, base] — so that clients that failed together spread out while
// none retries at once.
std::chrono::milliseconds Backoff(const RetryPolicy& p, int attempt);

// Sleeps Backoff(p, attempt) on `clock`; returns the wait.
std::chrono::milliseconds WaitBeforeRetry(const RetryPolicy& p, int attempt,
                                          Clock& clock);

// The policy's attempts, at least 1.
int Attempts(const RetryPolicy& p);

}  // namespace vk

#endif  // KIT_BASE_RETRY_H_
