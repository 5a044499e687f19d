#include "minivault/raft/log.h"

#include <algorithm>
#include <utility>

#include "kit/base/check.h"

namespace vk::raft {

Log::Log(SnapshotMeta base, std::vector<Entry> entries)
    : base_(base), entries_(std::move(entries)) {
  for (size_t k = 0; k < entries_.size(); ++k) {
    VK_CHECK(entries_[k].index == base_.index + 1 + k);
  }
  stable_ = last_index();
}

uint64_t Log::last_term() const {
  return entries_.empty() ? base_.term : entries_.back().term;
}

std::optional<uint64_t> Log::Term(uint64_t i) const {
  if (i == base_.index) return base_.term;
  if (i < base_.index || i > last_index()) return std::nullopt;
  return entries_[i - base_.index - 1].term;
}

bool Log::MatchTerm(uint64_t i, uint64_t term) const {
  auto t = Term(i);
  return t && *t == term;
}

bool Log::IsUpToDate(uint64_t index, uint64_t term) const {
  return term > last_term() || (term == last_term() && index >= last_index());
}

void Log::AppendNew(uint64_t term, Entry::Type type, std::string data) {
  entries_.push_back(Entry{last_index() + 1, term, type, std::move(data)});
}

uint64_t Log::Merge(const std::vector<Entry>& ents) {
  for (size_t k = 0; k < ents.size(); ++k) {
    const Entry& e = ents[k];
    if (e.index <= base_.index) continue;  // already in the snapshot
    auto t = Term(e.index);
    if (t && *t == e.term) continue;
    VK_CHECK(e.index <= last_index() + 1);
    uint64_t truncated = 0;
    if (e.index <= last_index()) {
      truncated = e.index;
      entries_.resize(e.index - base_.index - 1);
      stable_ = std::min(stable_, e.index - 1);
    }
    for (size_t j = k; j < ents.size(); ++j) entries_.push_back(ents[j]);
    return truncated;
  }
  return 0;
}

std::vector<Entry> Log::Slice(uint64_t lo, uint64_t hi, size_t max) const {
  VK_CHECK(lo >= first_index());
  hi = std::min(hi, last_index());
  std::vector<Entry> out;
  for (uint64_t i = lo; i <= hi && out.size() < max; ++i) {
    out.push_back(entries_[i - base_.index - 1]);
  }
  return out;
}

uint64_t Log::ConflictHint(uint64_t index, uint64_t term) const {
  uint64_t h = std::min(index, last_index());
  while (h > base_.index && *Term(h) > term) --h;
  return h;
}

void Log::CompactTo(uint64_t index, std::vector<NodeId> voters) {
  if (index <= base_.index) return;
  VK_CHECK(index <= stable_);
  uint64_t term = *Term(index);
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(
                                                          index - base_.index));
  base_ = SnapshotMeta{index, term, std::move(voters)};
}

uint64_t Log::LastConfChangeIn(uint64_t lo, uint64_t hi) const {
  for (uint64_t i = std::min(hi, last_index()); i > lo && i > base_.index;
       --i) {
    if (entries_[i - base_.index - 1].type == Entry::Type::kConfChange) {
      return i;
    }
  }
  return 0;
}

void Log::Restore(SnapshotMeta base) {
  base_ = base;
  entries_.clear();
  stable_ = base.index;
}

std::vector<Entry> Log::Unstable() const {
  return Slice(stable_ + 1, last_index(), entries_.size());
}

void Log::MarkStable(uint64_t index) {
  VK_CHECK(index <= last_index());
  stable_ = std::max(stable_, index);
}

}  // namespace vk::raft
