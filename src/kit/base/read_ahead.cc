#include "kit/base/read_ahead.h"

#include <algorithm>
#include <cstring>

namespace vk {

ReadAheadSource::ReadAheadSource(ByteSource* inner, Options options)
    : inner_(inner), options_(options) {
  VK_CHECK(options_.depth >= 1 && options_.block_size >= 1);
  for (size_t i = 0; i < options_.depth; ++i) {
    free_.push_back(Block{std::vector<uint8_t>(options_.block_size), 0});
  }
  thread_ = std::thread([this] { Produce(); });
}

ReadAheadSource::~ReadAheadSource() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAheadSource::Produce() {
  for (;;) {
    Block block;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !free_.empty(); });
      if (stop_) return;
      block = std::move(free_.back());
      free_.pop_back();
    }
    // Fill the block as far as the inner source allows, so the consumer
    // sees few, large hand-overs.
    Result<size_t> got = ReadFully(*inner_, block.data);
    std::lock_guard<std::mutex> lock(mu_);
    if (!got.ok()) {
      error_ = got.status();
      done_ = true;
      cv_.notify_all();
      return;
    }
    block.size = *got;
    if (block.size > 0) full_.push_back(std::move(block));
    if (*got < block.data.size() || block.size == 0) {
      done_ = true;
      cv_.notify_all();
      return;
    }
    cv_.notify_all();
  }
}

Result<size_t> ReadAheadSource::Read(MutableByteSpan dst) {
  if (dst.empty()) return size_t{0};
  if (current_pos_ == current_.size) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!current_.data.empty()) {
      free_.push_back(std::move(current_));
      current_ = Block();
      cv_.notify_all();
    }
    cv_.wait(lock, [this] { return done_ || !full_.empty(); });
    if (full_.empty()) {
      if (!error_.ok()) return error_;
      return size_t{0};
    }
    current_ = std::move(full_.front());
    full_.pop_front();
    current_pos_ = 0;
  }
  size_t n = std::min(dst.size(), current_.size - current_pos_);
  std::memcpy(dst.data(), current_.data.data() + current_pos_, n);
  current_pos_ += n;
  return n;
}

}  // namespace vk
