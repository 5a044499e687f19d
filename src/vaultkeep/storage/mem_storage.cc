// MemStorage: objects in a map. For tests and dry runs.
#include <map>
#include <mutex>

#include "vaultkeep/storage/range.h"
#include "vaultkeep/storage/storage.h"

namespace vk::storage {
namespace {

class MemStorage : public Storage {
 public:
  Properties properties() const override { return {"memory", 8}; }

  Status Put(std::string_view key, ByteSpan data, PutOptions o) override {
    VK_RETURN_IF_ERROR(CheckKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, inserted] = objects_.try_emplace(std::string(key));
    if (!inserted && !o.overwrite) return AlreadyExists(key);
    it->second.assign(AsChars(data));
    return Status::Ok();
  }

  Status Get(std::string_view key, uint64_t offset, uint64_t length,
             ByteSink& sink) override {
    VK_RETURN_IF_ERROR(CheckKey(key));
    std::string copy;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = objects_.find(std::string(key));
      if (it == objects_.end()) return Missing(key);
      VK_ASSIGN_OR_RETURN(uint64_t n,
                          RangeLength(key, it->second.size(), offset, length));
      copy = it->second.substr(offset, n);
    }
    return sink.Write(AsBytes(copy));
  }

  Result<ObjectInfo> Stat(std::string_view key) override {
    VK_RETURN_IF_ERROR(CheckKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end()) return Missing(key);
    return ObjectInfo{it->first, it->second.size()};
  }

  Status List(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    std::vector<ObjectInfo> found;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = objects_.lower_bound(std::string(prefix));
           it != objects_.end() &&
           it->first.compare(0, prefix.size(), prefix) == 0;
           ++it) {
        found.push_back({it->first, it->second.size()});
      }
    }
    for (const auto& info : found) VK_RETURN_IF_ERROR(fn(info));
    return Status::Ok();
  }

  Status Remove(std::string_view key) override {
    VK_RETURN_IF_ERROR(CheckKey(key));
    std::lock_guard<std::mutex> lock(mu_);
    if (objects_.erase(std::string(key)) == 0) return Missing(key);
    return Status::Ok();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
};

}  // namespace

std::unique_ptr<Storage> NewMemStorage() {
  return std::make_unique<MemStorage>();
}

}  // namespace vk::storage
