#include "repo/pack_uploader.h"

namespace vk::repo {

PackUploader::~PackUploader() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status PackUploader::Enqueue(std::string key, std::string bytes) {
  std::unique_lock lock(mu_);
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  cv_.wait(lock, [&] { return !error_.ok() || queue_.size() < max_queued_; });
  VK_RETURN_IF_ERROR(error_);
  queue_.emplace_back(std::move(key), std::move(bytes));
  cv_.notify_all();
  return Status::Ok();
}

Status PackUploader::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
  return error_;
}

void PackUploader::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_ and nothing left
    auto [key, bytes] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    Status st = error_.ok() ? storage_->Put(key, AsBytes(bytes)) : error_;
    lock.lock();
    busy_ = false;
    if (!st.ok() && error_.ok()) error_ = st;
    cv_.notify_all();
  }
}

}  // namespace vk::repo
