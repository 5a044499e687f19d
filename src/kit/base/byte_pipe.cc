#include "kit/base/byte_pipe.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "kit/base/check.h"

namespace vk {

BytePipe::BytePipe(size_t capacity)
    : capacity_(std::max<size_t>(capacity, 1)) {}

Status BytePipe::Write(ByteSpan data) {
  std::unique_lock lock(mu_);
  if (write_closed_) return Internal("write to a closed pipe");
  if (buf_.empty()) buf_.resize(capacity_);
  while (!data.empty()) {
    cv_.wait(lock,
             [&] { return !error_.ok() || read_closed_ || size_ < capacity_; });
    if (!error_.ok()) return error_;
    if (read_closed_) return Aborted("the reader closed the pipe");
    // Copy into the free region, which may wrap around the end.
    size_t tail = (head_ + size_) % capacity_;
    size_t n = std::min(data.size(), capacity_ - size_);
    size_t first = std::min(n, capacity_ - tail);
    std::memcpy(buf_.data() + tail, data.data(), first);
    std::memcpy(buf_.data(), data.data() + first, n - first);
    size_ += n;
    data = data.subspan(n);
    cv_.notify_all();
  }
  return Status::Ok();
}

void BytePipe::CloseWrite() {
  std::lock_guard lock(mu_);
  write_closed_ = true;
  cv_.notify_all();
}

Result<size_t> BytePipe::Read(MutableByteSpan dst) {
  if (dst.empty()) return size_t{0};
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] {
    return !error_.ok() || read_closed_ || size_ > 0 || write_closed_;
  });
  if (!error_.ok()) return error_;
  if (read_closed_) return Internal("read from a pipe after CloseRead");
  if (size_ == 0) return size_t{0};  // write_closed_: end of stream
  size_t n = std::min(dst.size(), size_);
  size_t first = std::min(n, capacity_ - head_);
  std::memcpy(dst.data(), buf_.data() + head_, first);
  std::memcpy(dst.data() + first, buf_.data(), n - first);
  head_ = (head_ + n) % capacity_;
  size_ -= n;
  cv_.notify_all();
  return n;
}

void BytePipe::CloseRead() {
  std::lock_guard lock(mu_);
  read_closed_ = true;
  size_ = 0;
  head_ = 0;
  cv_.notify_all();
}

void BytePipe::Fail(Status status) {
  VK_CHECK(!status.ok());
  std::lock_guard lock(mu_);
  if (error_.ok()) error_ = std::move(status);
  cv_.notify_all();
}

size_t BytePipe::buffered() const {
  std::lock_guard lock(mu_);
  return size_;
}

}  // namespace vk
