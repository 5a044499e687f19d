// Progress for long operations: on a terminal, one line on stderr refreshed
// twice a second (bytes, rate, ETA when the total is known); nothing at all
// when stderr is not a terminal, so scripts and logs stay clean.
#ifndef VAULTKEEP_CLI_PROGRESS_H_
#define VAULTKEEP_CLI_PROGRESS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "kit/base/byte_stream.h"

namespace vk::cli {

class Progress {
 public:
  // `total` 0: unknown.
  Progress(std::string label, uint64_t total);
  ~Progress();  // stops and clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Adds `n` bytes (work split over threads reports deltas).
  void Add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }
  // Sets the bytes done so far; a stream's ByteCountFn (running totals).
  // A smaller total starts over (a new attempt).
  void Set(uint64_t total) { done_.store(total, std::memory_order_relaxed); }
  ByteCountFn Counter() {
    return [this](uint64_t total) { Set(total); };
  }

 private:
  void Loop();
  std::string Line() const;

  std::string label_;
  uint64_t total_;
  std::atomic<uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  bool active_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_PROGRESS_H_
