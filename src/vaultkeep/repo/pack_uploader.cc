#include "vaultkeep/repo/pack_uploader.h"

#include "kit/crypto/sha256.h"
#include "vaultkeep/repo/pack.h"

namespace vk::repo {

PackUploader::~PackUploader() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Status PackUploader::Enqueue(std::string bytes, Stored on_stored) {
  std::unique_lock lock(mu_);
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  cv_.wait(lock, [&] { return !error_.ok() || queue_.size() < max_queued_; });
  VK_RETURN_IF_ERROR(error_);
  queue_.emplace_back(std::move(bytes), std::move(on_stored));
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
    auto [bytes, on_stored] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    bool failed = !error_.ok();
    lock.unlock();
    Status st = Status::Ok();
    if (!failed) {
      std::string id = HexEncode(Sha256::Of(AsBytes(bytes)));
      st = storage_->Put(PackKey(id), AsBytes(bytes));
      if (st.ok()) on_stored(id);
    }
    lock.lock();
    busy_ = false;
    if (!st.ok() && error_.ok()) error_ = st;
    cv_.notify_all();
  }
}

}  // namespace vk::repo
