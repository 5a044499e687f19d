// The core's in-memory view of the raft log: a snapshot base (index, term)
// followed by contiguous entries. It also tracks which suffix has not yet
// been handed to the host for persistence.
#ifndef MINIVAULT_RAFT_LOG_H_
#define MINIVAULT_RAFT_LOG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "minivault/raft/types.h"

namespace vk::raft {

class Log {
 public:
  // `entries` must be contiguous and start at base.index + 1; they count
  // as persisted.
  Log(SnapshotMeta base, std::vector<Entry> entries);

  const SnapshotMeta& base() const { return base_; }
  uint64_t first_index() const { return base_.index + 1; }
  uint64_t last_index() const { return base_.index + entries_.size(); }
  uint64_t last_term() const;
  // The term of entry i; the base's term for i == base.index; nullopt when
  // i was compacted away or is beyond the end.
  std::optional<uint64_t> Term(uint64_t i) const;
  bool MatchTerm(uint64_t i, uint64_t term) const;
  // Raft's election restriction: is (index, term) at least as up to date?
  bool IsUpToDate(uint64_t last_index, uint64_t last_term) const;

  // Appends one new entry at last_index() + 1.
  void AppendNew(uint64_t term, Entry::Type type, std::string data);
  // Writes `ents` (contiguous, starting at most at last_index() + 1): equal
  // entries are skipped, the first conflicting one truncates the rest of the
  // log. Returns the index of the first truncated entry, or 0 if none.
  uint64_t Merge(const std::vector<Entry>& ents);

  // Entries [lo, hi] (hi clamped to the end), at most `max`; lo must be
  // >= first_index().
  std::vector<Entry> Slice(uint64_t lo, uint64_t hi, size_t max) const;

  // For a follower rejecting an append at (index, term): the largest index
  // <= index whose term is <= term (entries above it cannot match).
  uint64_t ConflictHint(uint64_t index, uint64_t term) const;

  // Drops entries up to `index` (which must exist), making it the base;
  // `voters` is the configuration as of `index`.
  void CompactTo(uint64_t index, std::vector<NodeId> voters = {});
  // Replaces the whole log by a snapshot base.
  void Restore(SnapshotMeta base);
  // Sets the configuration recorded with the base.
  void SetBaseVoters(std::vector<NodeId> voters) {
    base_.voters = std::move(voters);
  }

  // The index of the last kConfChange entry in (lo, hi] (hi clamped to the
  // end, lo to the base), or 0 if there is none.
  uint64_t LastConfChangeIn(uint64_t lo, uint64_t hi) const;

  // Persistence tracking: entries above stable_index() are not yet durable.
  uint64_t stable_index() const { return stable_; }
  std::vector<Entry> Unstable() const;
  void MarkStable(uint64_t index);

 private:
  SnapshotMeta base_;
  std::vector<Entry> entries_;  // entries_[k].index == base_.index + 1 + k
  uint64_t stable_ = 0;
};

}  // namespace vk::raft

#endif  // MINIVAULT_RAFT_LOG_H_
