#include "vaultkeep/testing/damaged_storage.h"

#include <algorithm>

namespace vk::testing {

bool Matcher::Hit(std::string_view key) {
  if (!key.starts_with(match_.prefix)) return false;
  std::lock_guard l(mu_);
  ++matched_;
  if (match_.nth != 0 && matched_ != match_.nth) return false;
  ++hits_;
  return true;
}

int Matcher::matched() const {
  std::lock_guard l(mu_);
  return matched_;
}

int Matcher::hits() const {
  std::lock_guard l(mu_);
  return hits_;
}

storage::Properties ForwardingStorage::properties() const {
  return inner_.properties();
}

Status ForwardingStorage::Put(std::string_view key, ByteSpan data,
                              storage::PutOptions options) {
  return inner_.Put(key, data, options);
}

Status ForwardingStorage::Get(std::string_view key, uint64_t offset,
                              uint64_t length, ByteSink& sink) {
  return inner_.Get(key, offset, length, sink);
}

Result<storage::ObjectInfo> ForwardingStorage::Stat(std::string_view key) {
  return inner_.Stat(key);
}

Status ForwardingStorage::List(
    std::string_view prefix,
    const std::function<Status(const storage::ObjectInfo&)>& fn) {
  return inner_.List(prefix, fn);
}

Status ForwardingStorage::Remove(std::string_view key) {
  return inner_.Remove(key);
}

Result<std::string> ForwardingStorage::GetRange(std::string_view key,
                                                uint64_t offset,
                                                uint64_t length) {
  StringSink got;
  VK_RETURN_IF_ERROR(inner_.Get(key, offset, length, got));
  return std::move(got.mutable_data());
}

std::unique_ptr<storage::Storage> Borrow(storage::Storage& inner) {
  return std::make_unique<ForwardingStorage>(inner);
}

Status ReadDamagingStorage::Get(std::string_view key, uint64_t offset,
                                uint64_t length, ByteSink& sink) {
  if (!matcher_.Hit(key)) return inner().Get(key, offset, length, sink);
  VK_ASSIGN_OR_RETURN(std::string data, GetRange(key, offset, length));
  Damage(data);
  return sink.Write(AsBytes(data));
}

void CorruptingStorage::Damage(std::string& data) const {
  if (data.empty()) return;
  data[std::min<uint64_t>(position_, data.size() - 1)] ^=
      static_cast<char>(mask_);
}

void TruncatingStorage::Damage(std::string& data) const {
  data.resize(std::min<uint64_t>(keep_, data.size()));
}

Status FailingPutStorage::Put(std::string_view key, ByteSpan data,
                              storage::PutOptions options) {
  if (!matcher_.Hit(key)) return inner().Put(key, data, options);
  if (how_ == PutFailure::kStoredAnyway) {
    VK_RETURN_IF_ERROR(inner().Put(key, data, options));
  }
  return error_;
}

Status StallingStorage::Hold(StallOp op, std::string_view key) {
  if (op != op_ || !matcher_.Hit(key)) return Status::Ok();
  std::unique_lock l(mu_);
  if (!released_) {
    ++stalled_;
    cv_.notify_all();
    cv_.wait(l, [&] { return released_.has_value(); });
  }
  return *released_;
}

Status StallingStorage::Put(std::string_view key, ByteSpan data,
                            storage::PutOptions options) {
  VK_RETURN_IF_ERROR(Hold(StallOp::kPut, key));
  return inner().Put(key, data, options);
}

Status StallingStorage::Get(std::string_view key, uint64_t offset,
                            uint64_t length, ByteSink& sink) {
  VK_RETURN_IF_ERROR(Hold(StallOp::kGet, key));
  return inner().Get(key, offset, length, sink);
}

Status StallingStorage::Remove(std::string_view key) {
  VK_RETURN_IF_ERROR(Hold(StallOp::kRemove, key));
  return inner().Remove(key);
}

bool StallingStorage::WaitForStalled(int n) {
  std::unique_lock l(mu_);
  cv_.wait(l, [&] { return stalled_ >= n || stop_waiting_; });
  return stalled_ >= n;
}

void StallingStorage::StopWaiting() {
  std::lock_guard l(mu_);
  stop_waiting_ = true;
  cv_.notify_all();
}

void StallingStorage::Release(Status result) {
  std::lock_guard l(mu_);
  if (!released_) released_ = std::move(result);
  cv_.notify_all();
}

int StallingStorage::stalled() const {
  std::lock_guard l(mu_);
  return stalled_;
}

Status FlipStoredByte(storage::Storage& storage, std::string_view key,
                      uint64_t offset, uint8_t mask) {
  VK_ASSIGN_OR_RETURN(std::string data, storage::GetAll(storage, key));
  if (offset >= data.size()) {
    return InvalidArgument("offset " + std::to_string(offset) + " is past " +
                           std::string(key));
  }
  data[offset] ^= static_cast<char>(mask);
  return storage.Put(key, AsBytes(data), {.overwrite = true});
}

}  // namespace vk::testing
