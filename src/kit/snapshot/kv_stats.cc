#include "kit/snapshot/kv_stats.h"

#include <algorithm>

namespace vk::snapshot {

void KvStats::Add(const StateRecord& r) {
  if (r.key.empty()) return;
  if (!filter_.empty() && r.key.substr(0, filter_.size()) != filter_) return;
  std::string_view prefix = r.key;
  if (depth_ > 0) {
    size_t pos = 0;
    for (int seg = 0; seg < depth_; ++seg) {
      size_t slash = r.key.find('/', pos);
      if (slash == std::string_view::npos) {
        pos = r.key.size();
        break;
      }
      pos = slash + 1;
      if (seg == depth_ - 1) pos = slash;
    }
    prefix = r.key.substr(0, pos);
  }
  auto it = stats_.find(prefix);
  if (it == stats_.end()) {
    it = stats_.emplace(std::string(prefix), KvStat{std::string(prefix), 0, 0})
             .first;
  }
  it->second.count++;
  it->second.size += r.message_size;
  total_count_++;
  total_size_ += r.message_size;
}

std::vector<KvStat> KvStats::Sorted() const {
  std::vector<KvStat> out;
  out.reserve(stats_.size());
  for (const auto& [name, s] : stats_) out.push_back(s);
  std::stable_sort(out.begin(), out.end(),
                   [](const KvStat& a, const KvStat& b) {
                     if (a.count != b.count) return a.count > b.count;
                     return a.name < b.name;
                   });
  return out;
}

}  // namespace vk::snapshot
