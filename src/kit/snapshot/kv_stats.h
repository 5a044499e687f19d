// Key-prefix statistics of state.bin, as `vault operator raft snapshot
// inspect` computes them: each record's key is cut to its first `depth`
// "/"-separated segments (all of them when depth is 0 or larger than the
// key), records whose key does not start with `filter` are left out, empty
// keys are ignored, and a record's size is its StorageEntry message length.
#ifndef KIT_SNAPSHOT_KV_STATS_H_
#define KIT_SNAPSHOT_KV_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kit/snapshot/records.h"

namespace vk::snapshot {

struct KvStat {
  std::string name;
  uint64_t count = 0;
  uint64_t size = 0;
};

class KvStats {
 public:
  KvStats(int depth, std::string filter)
      : depth_(depth), filter_(std::move(filter)) {}

  void Add(const StateRecord& record);

  // Sorted as Vault sorts: count descending, then name ascending.
  std::vector<KvStat> Sorted() const;
  uint64_t total_count() const { return total_count_; }
  uint64_t total_size() const { return total_size_; }

 private:
  int depth_;
  std::string filter_;
  std::map<std::string, KvStat, std::less<>> stats_;
  uint64_t total_count_ = 0;
  uint64_t total_size_ = 0;
};

}  // namespace vk::snapshot

#endif  // KIT_SNAPSHOT_KV_STATS_H_
