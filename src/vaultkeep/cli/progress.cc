#include "vaultkeep/cli/progress.h"

#include <unistd.h>

#include <cstdio>

#include "vaultkeep/cli/tabwriter.h"

namespace vk::cli {

Progress::Progress(std::string label, uint64_t total)
    : label_(std::move(label)),
      total_(total),
      start_(std::chrono::steady_clock::now()),
      active_(::isatty(STDERR_FILENO) == 1) {
  if (active_) thread_ = std::thread([this] { Loop(); });
}

Progress::~Progress() {
  if (!active_) return;
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

std::string Progress::Line() const {
  uint64_t done = done_.load(std::memory_order_relaxed);
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_)
          .count();
  double rate = secs > 0 ? done / secs : 0;
  std::string line = label_ + " " + HumanBytes(done);
  if (total_ > 0) {
    line += " / " + HumanBytes(total_) + " (" +
            std::to_string(done * 100 / total_) + "%)";
  }
  line += ", " + HumanBytes(static_cast<uint64_t>(rate)) + "/s";
  if (total_ > 0 && rate > 0 && done < total_) {
    uint64_t eta = static_cast<uint64_t>((total_ - done) / rate);
    char buf[32];
    std::snprintf(buf, sizeof buf, ", ETA %lu:%02lu",
                  static_cast<unsigned long>(eta / 60),
                  static_cast<unsigned long>(eta % 60));
    line += buf;
  }
  return line;
}

void Progress::Loop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, std::chrono::milliseconds(500),
                       [this] { return stop_; })) {
    std::string line = "\r\033[K" + Line();
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
  }
}

}  // namespace vk::cli
