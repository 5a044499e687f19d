// Single-server membership changes: the voter set, its history back to
// the log's base, and what a change does to a node's role when applied.
#include "minivault/raft/membership.h"

#include <algorithm>
#include <utility>

#include "minivault/raft/raft.h"
#include "minivault/raft/wire.h"

namespace vk::raft {

void NormalizeVoters(std::vector<NodeId>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  v.erase(std::remove(v.begin(), v.end(), NodeId{0}), v.end());
}

bool ApplyConfChangeTo(std::vector<NodeId>& v, const ConfChange& cc) {
  if (cc.node == 0) return false;
  auto it = std::lower_bound(v.begin(), v.end(), cc.node);
  bool present = it != v.end() && *it == cc.node;
  if (cc.kind == ConfChange::Kind::kAddVoter) {
    if (present) return false;
    v.insert(it, cc.node);
    return true;
  }
  if (!present) return false;
  v.erase(it);
  return true;
}

bool Node::IsVoter(NodeId id) const {
  return std::binary_search(cfg_.voters.begin(), cfg_.voters.end(), id);
}

std::vector<NodeId> Node::VotersAt(uint64_t index) const {
  std::vector<NodeId> v = log_.base().voters;
  for (const auto& [i, voters] : conf_history_) {
    if (i > index) break;
    v = voters;
  }
  return v;
}

bool Node::Promotable() const {
  return IsVoter(cfg_.id) && log_.LastConfChangeIn(applied_, commit_) == 0;
}

// Rebuilds the configurations between the base and `applied`, so Compact
// can name the voters of any index it may be asked about.
void Node::RebuildConfHistory() {
  std::vector<NodeId> v = log_.base().voters;
  if (applied_ > log_.base().index) {
    for (const Entry& e : log_.Slice(log_.first_index(), applied_,
                                     applied_ - log_.base().index)) {
      if (e.type != Entry::Type::kConfChange) continue;
      auto cc = DecodeConfChange(e.data);
      if (cc.ok() && ApplyConfChangeTo(v, *cc))
        conf_history_.emplace_back(e.index, v);
    }
  }
  if (v != cfg_.voters) conf_history_.emplace_back(applied_, cfg_.voters);
}

Status Node::ProposeConfChange(const ConfChange& cc) {
  if (role_ != Role::kLeader) return FailedPrecondition("not leader");
  if (cc.node == 0) return InvalidArgument("conf change for node 0");
  // Single-server changes need no joint consensus only if each one starts
  // from a configuration every later quorum agrees on: the previous change
  // must be applied first.
  if (pending_conf_index_ > applied_) {
    return FailedPrecondition("a configuration change is already in progress");
  }
  if (cc.kind == ConfChange::Kind::kRemoveNode && cfg_.voters.size() == 1 &&
      cfg_.voters[0] == cc.node) {
    return FailedPrecondition("cannot remove the last voter");
  }
  AppendAndReplicate(Entry::Type::kConfChange, EncodeConfChange(cc));
  pending_conf_index_ = log_.last_index();
  return Status::Ok();
}

void Node::ApplyConfChange(uint64_t index, const ConfChange& cc) {
  if (!ApplyConfChangeTo(cfg_.voters, cc)) return;
  conf_history_.emplace_back(index, cfg_.voters);
  bool self = cc.node == cfg_.id;
  if (role_ == Role::kLeader) {
    if (self) {
      // Our own removal: tell the others the commit index (so they apply
      // the change too) and stop leading.
      BroadcastHeartbeat();
      BecomeFollower(term_, 0);
      return;
    }
    if (cc.kind == ConfChange::Kind::kAddVoter) {
      // recent_active: a new node gets one election period to answer
      // before check-quorum counts it as silent.
      progress_[cc.node] = Progress{0, log_.last_index() + 1, true, 0};
      SendAppend(cc.node);
    } else {
      // One last heartbeat carries the commit index, so the removed node
      // learns of its removal (if it holds the entry) and stays quiet.
      auto it = progress_.find(cc.node);
      if (it != progress_.end()) {
        Message m;
        m.type = MessageType::kHeartbeat;
        m.to = cc.node;
        m.commit = std::min(it->second.match, commit_);
        Send(std::move(m));
        progress_.erase(it);
      }
    }
  } else if (role_ != Role::kFollower && !IsVoter(cfg_.id)) {
    BecomeFollower(term_, 0);
  }
}

}  // namespace vk::raft
