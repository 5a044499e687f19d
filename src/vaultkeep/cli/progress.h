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

  void Add(uint64_t n) { done_.fetch_add(n, std::memory_order_relaxed); }

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

// Counts what passes through into a Progress.
class ProgressSource : public ByteSource {
 public:
  ProgressSource(ByteSource* in, Progress* p) : in_(in), p_(p) {}
  Result<size_t> Read(MutableByteSpan dst) override {
    auto n = in_->Read(dst);
    if (n.ok()) p_->Add(*n);
    return n;
  }

 private:
  ByteSource* in_;
  Progress* p_;
};

class ProgressSink : public ByteSink {
 public:
  ProgressSink(ByteSink* out, Progress* p) : out_(out), p_(p) {}
  Status Write(ByteSpan data) override {
    p_->Add(data.size());
    return out_->Write(data);
  }

 private:
  ByteSink* out_;
  Progress* p_;
};

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_PROGRESS_H_
