#include "vaultkeep/storage/failure_tag.h"

#include <utility>

namespace vk::storage {
namespace {

class TaggingStorage : public Storage {
 public:
  explicit TaggingStorage(std::unique_ptr<Storage> inner)
      : inner_(std::move(inner)), location_(inner_->properties().location) {}

  Properties properties() const override { return inner_->properties(); }
  Status Put(std::string_view key, ByteSpan data, PutOptions options) override {
    return Tag(inner_->Put(key, data, options));
  }
  Status Get(std::string_view key, uint64_t offset, uint64_t length,
             ByteSink& sink) override {
    return Tag(inner_->Get(key, offset, length, sink));
  }
  Result<ObjectInfo> Stat(std::string_view key) override {
    Result<ObjectInfo> r = inner_->Stat(key);
    if (r.ok()) return r;
    return Tag(r.status());
  }
  Status List(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    return Tag(inner_->List(prefix, fn));
  }
  Status Remove(std::string_view key) override {
    return Tag(inner_->Remove(key));
  }

 private:
  Status Tag(Status st) const {
    if (st.ok() || st.detail<Failure>() != nullptr) return st;
    return st.WithDetail(
        std::make_shared<Failure>(location_, st.shared_detail()));
  }

  std::unique_ptr<Storage> inner_;
  std::string location_;
};

}  // namespace

std::unique_ptr<Storage> TagFailures(std::unique_ptr<Storage> inner) {
  return std::make_unique<TaggingStorage>(std::move(inner));
}

}  // namespace vk::storage
