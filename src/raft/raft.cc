#include "raft/raft.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "base/check.h"

namespace vk::raft {

const char* MessageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResponse:
      return "PreVoteResponse";
    case MessageType::kVote:
      return "Vote";
    case MessageType::kVoteResponse:
      return "VoteResponse";
    case MessageType::kAppend:
      return "Append";
    case MessageType::kAppendResponse:
      return "AppendResponse";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResponse:
      return "HeartbeatResponse";
    case MessageType::kSnapshot:
      return "Snapshot";
  }
  return "?";
}

Node Node::Start(const Config& config, HardState hs, std::vector<Entry> log,
                 SnapshotBase base) {
  return Node(config, hs, Log(base, std::move(log)));
}

Node::Node(const Config& config, HardState hs, Log log)
    : cfg_(config),
      term_(hs.term),
      vote_(hs.vote),
      log_(std::move(log)),
      commit_(std::max(hs.commit, log_.base().index)),
      applied_(log_.base().index),
      rng_(config.seed ^ (config.id * 0x9E3779B97F4A7C15ull)),
      persisted_hs_(hs) {
  VK_CHECK(cfg_.id != 0);
  VK_CHECK(std::find(cfg_.voters.begin(), cfg_.voters.end(), cfg_.id) !=
           cfg_.voters.end());
  VK_CHECK(cfg_.election_ticks > cfg_.heartbeat_ticks &&
           cfg_.heartbeat_ticks > 0);
  VK_CHECK(commit_ <= log_.last_index());
  BecomeFollower(term_, 0);
}

// splitmix64: tiny, seedable and identical on every platform.
uint64_t Node::NextRandom() {
  uint64_t z = (rng_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void Node::ResetRandomizedTimeout() {
  randomized_timeout_ =
      cfg_.election_ticks +
      static_cast<int>(NextRandom() %
                       static_cast<uint64_t>(cfg_.election_ticks));
}

bool Node::InLease() const {
  return cfg_.check_quorum && lead_ != 0 &&
         election_elapsed_ < cfg_.election_ticks;
}

void Node::BecomeFollower(uint64_t term, NodeId lead) {
  if (term != term_) {
    term_ = term;
    vote_ = 0;
  }
  role_ = Role::kFollower;
  lead_ = lead;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  progress_.clear();
  votes_.clear();
  ResetRandomizedTimeout();
}

void Node::BecomePreCandidate() {
  // Neither the term nor the vote changes: a pre-vote that fails leaves no
  // trace, so a partitioned node cannot inflate the cluster's term.
  role_ = Role::kPreCandidate;
  lead_ = 0;
  votes_.clear();
  election_elapsed_ = 0;
  ResetRandomizedTimeout();
}

void Node::BecomeCandidate() {
  role_ = Role::kCandidate;
  ++term_;
  vote_ = cfg_.id;
  lead_ = 0;
  votes_.clear();
  election_elapsed_ = 0;
  ResetRandomizedTimeout();
}

void Node::BecomeLeader() {
  role_ = Role::kLeader;
  lead_ = cfg_.id;
  votes_.clear();
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  progress_.clear();
  for (NodeId peer : cfg_.voters) {
    if (peer == cfg_.id) continue;
    progress_[peer] = Progress{0, log_.last_index() + 1, false, 0};
  }
  // The no-op lets the leader commit entries of earlier terms (which it may
  // not count replicas of directly) as soon as a majority has this one.
  log_.AppendNew(term_, Entry::Type::kNormal, "");
  for (auto& [peer, pr] : progress_) SendAppend(peer);
}

void Node::Campaign(bool pre) {
  if (pre) {
    BecomePreCandidate();
  } else {
    BecomeCandidate();
  }
  Poll(cfg_.id, true);
  if (role_ == Role::kLeader) return;
  if (role_ != Role::kPreCandidate && role_ != Role::kCandidate) return;
  for (NodeId peer : cfg_.voters) {
    if (peer == cfg_.id) continue;
    Message m;
    m.type = pre ? MessageType::kPreVote : MessageType::kVote;
    m.to = peer;
    m.term = pre ? term_ + 1 : term_;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    Send(std::move(m));
  }
}

void Node::Poll(NodeId from, bool granted) {
  votes_.emplace(from, granted);
  int yes = 0;
  int no = 0;
  for (auto& [id, g] : votes_) (g ? yes : no)++;
  if (yes >= Quorum()) {
    if (role_ == Role::kPreCandidate) {
      Campaign(false);
    } else {
      BecomeLeader();
    }
  } else if (no >= Quorum()) {
    BecomeFollower(term_, 0);
  }
}

void Node::Tick() {
  ++election_elapsed_;
  if (role_ != Role::kLeader) {
    if (election_elapsed_ >= randomized_timeout_) {
      Campaign(cfg_.pre_vote);
    }
    return;
  }
  for (auto& [peer, pr] : progress_) {
    if (pr.snapshot_wait > 0) --pr.snapshot_wait;
  }
  if (election_elapsed_ >= cfg_.election_ticks) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum) {
      int active = 1;
      for (auto& [peer, pr] : progress_) {
        if (pr.recent_active) ++active;
        pr.recent_active = false;
      }
      if (active < Quorum()) {
        BecomeFollower(term_, 0);
        return;
      }
    }
  }
  if (++heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeat();
  }
}

Status Node::Propose(std::string data) {
  if (role_ != Role::kLeader) return FailedPrecondition("not leader");
  log_.AppendNew(term_, Entry::Type::kNormal, std::move(data));
  for (auto& [peer, pr] : progress_) SendAppend(peer);
  if (progress_.empty()) MaybeCommit();
  return Status::Ok();
}

void Node::Send(Message m) {
  m.from = cfg_.id;
  if (m.term == 0) m.term = term_;
  msgs_.push_back(std::move(m));
}

void Node::SendAppend(NodeId to) {
  Progress& pr = progress_.at(to);
  uint64_t prev = pr.next - 1;
  auto prev_term = log_.Term(prev);
  Message m;
  m.to = to;
  if (!prev_term) {
    // The entries this follower needs were compacted away.
    if (pr.snapshot_wait > 0) return;
    pr.snapshot_wait = cfg_.election_ticks;
    m.type = MessageType::kSnapshot;
    m.snapshot = log_.base();
    Send(std::move(m));
    return;
  }
  m.type = MessageType::kAppend;
  m.index = prev;
  m.log_term = *prev_term;
  m.entries =
      log_.Slice(pr.next, log_.last_index(), cfg_.max_entries_per_message);
  m.commit = commit_;
  Send(std::move(m));
}

// Followers that are caught up get a bare heartbeat; lagging ones get an
// append from their `next`, which also retries anything lost on the way.
void Node::BroadcastHeartbeat() {
  for (auto& [peer, pr] : progress_) {
    if (pr.match < log_.last_index() && pr.snapshot_wait == 0) {
      SendAppend(peer);
      continue;
    }
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = peer;
    m.commit = std::min(pr.match, commit_);
    Send(std::move(m));
  }
}

void Node::MaybeCommit() {
  // The leader counts its own log only once it is durable.
  std::vector<uint64_t> match{log_.stable_index()};
  for (auto& [peer, pr] : progress_) match.push_back(pr.match);
  std::sort(match.begin(), match.end(), std::greater<>());
  uint64_t q = match[static_cast<size_t>(Quorum() - 1)];
  // Figure 8 of the raft paper: only an entry of the current term is
  // committed by counting replicas; earlier ones follow implicitly.
  if (q > commit_ && log_.MatchTerm(q, term_)) commit_ = q;
}

void Node::Step(const Message& m) {
  if (m.term > term_) {
    bool vote_request =
        m.type == MessageType::kPreVote || m.type == MessageType::kVote;
    if (vote_request && InLease()) {
      // A leader was heard from recently: ignore a disruptive candidate
      // (for example one rejoining from a partition).
      return;
    }
    if (m.type == MessageType::kPreVote) {
      // Never adopt a pre-vote's term.
    } else if (m.type == MessageType::kPreVoteResponse && !m.reject) {
      // The granted term is the one we would campaign at.
    } else {
      bool from_leader = m.type == MessageType::kAppend ||
                         m.type == MessageType::kHeartbeat ||
                         m.type == MessageType::kSnapshot;
      BecomeFollower(m.term, from_leader ? m.from : 0);
    }
  } else if (m.term < term_) {
    if ((cfg_.check_quorum || cfg_.pre_vote) &&
        (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
         m.type == MessageType::kSnapshot)) {
      // A stale leader (maybe cut off and unaware): tell it our term so it
      // steps down; with pre-vote it may otherwise never learn it.
      Message r;
      r.type = MessageType::kAppendResponse;
      r.to = m.from;
      Send(std::move(r));
    } else if (m.type == MessageType::kPreVote) {
      Message r;
      r.type = MessageType::kPreVoteResponse;
      r.to = m.from;
      r.reject = true;
      Send(std::move(r));
    }
    return;
  }

  switch (m.type) {
    case MessageType::kPreVote:
    case MessageType::kVote:
      HandleVoteRequest(m);
      return;
    default:
      break;
  }

  switch (role_) {
    case Role::kLeader:
      StepLeader(m);
      return;
    case Role::kPreCandidate:
    case Role::kCandidate: {
      MessageType want = role_ == Role::kPreCandidate
                             ? MessageType::kPreVoteResponse
                             : MessageType::kVoteResponse;
      if (m.type == want) {
        // A pre-vote grant carries term_ + 1; a vote response our term.
        uint64_t expected = role_ == Role::kPreCandidate ? term_ + 1 : term_;
        if (m.term == expected || m.reject) Poll(m.from, !m.reject);
        return;
      }
      if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
          m.type == MessageType::kSnapshot) {
        BecomeFollower(term_, m.from);
        break;  // handled as a follower below
      }
      return;
    }
    case Role::kFollower:
      break;
  }
  switch (m.type) {
    case MessageType::kAppend:
      lead_ = m.from;
      election_elapsed_ = 0;
      HandleAppend(m);
      break;
    case MessageType::kHeartbeat:
      lead_ = m.from;
      election_elapsed_ = 0;
      HandleHeartbeat(m);
      break;
    case MessageType::kSnapshot:
      lead_ = m.from;
      election_elapsed_ = 0;
      HandleSnapshot(m);
      break;
    default:
      break;
  }
}

void Node::HandleVoteRequest(const Message& m) {
  bool pre = m.type == MessageType::kPreVote;
  // For a real vote m.term == term_ here (a higher term was adopted above).
  bool can_vote =
      vote_ == m.from || (vote_ == 0 && lead_ == 0) || (pre && m.term > term_);
  Message r;
  r.type = pre ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  r.to = m.from;
  if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
    r.term = m.term;
    if (!pre) {
      vote_ = m.from;
      election_elapsed_ = 0;
    }
  } else {
    r.reject = true;
  }
  Send(std::move(r));
}

void Node::HandleAppend(const Message& m) {
  Message r;
  r.type = MessageType::kAppendResponse;
  r.to = m.from;
  if (m.index < commit_) {
    r.index = commit_;  // everything up to commit already matches
    Send(std::move(r));
    return;
  }
  if (!log_.MatchTerm(m.index, m.log_term)) {
    r.index = m.index;
    r.reject = true;
    r.reject_hint = log_.ConflictHint(m.index, m.log_term);
    Send(std::move(r));
    return;
  }
  uint64_t truncated = log_.Merge(m.entries);
  VK_CHECK(truncated == 0 || truncated > commit_);
  uint64_t last_new = m.index + m.entries.size();
  commit_ = std::max(commit_, std::min(m.commit, last_new));
  r.index = last_new;
  Send(std::move(r));
}

void Node::HandleHeartbeat(const Message& m) {
  // The leader sends min(our match, its commit), which we hold.
  commit_ = std::max(commit_, std::min(m.commit, log_.last_index()));
  Message r;
  r.type = MessageType::kHeartbeatResponse;
  r.to = m.from;
  Send(std::move(r));
}

void Node::HandleSnapshot(const Message& m) {
  const SnapshotMeta& s = m.snapshot;
  Message r;
  r.type = MessageType::kAppendResponse;
  r.to = m.from;
  if (s.index <= commit_) {
    r.index = commit_;
  } else if (log_.MatchTerm(s.index, s.term)) {
    // We already hold the entries: just learn that they are committed.
    commit_ = s.index;
    r.index = s.index;
  } else {
    log_.Restore(s);
    commit_ = s.index;
    applied_ = s.index;
    pending_snapshot_ = s;
    r.index = s.index;
  }
  Send(std::move(r));
}

void Node::StepLeader(const Message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::kAppendResponse:
      pr.recent_active = true;
      if (m.reject) {
        // Only the answer to our latest probe moves `next`; older
        // rejections (duplicates, reordering) say nothing new.
        if (m.index != pr.next - 1) return;
        pr.snapshot_wait = 0;
        pr.next = std::max(pr.match + 1, std::min(m.index, m.reject_hint + 1));
        SendAppend(m.from);
        return;
      }
      if (m.index > pr.match) {
        pr.snapshot_wait = 0;
        pr.match = m.index;
        pr.next = std::max(pr.next, pr.match + 1);
        MaybeCommit();
        if (pr.next <= log_.last_index()) SendAppend(m.from);
      }
      return;
    case MessageType::kHeartbeatResponse:
      pr.recent_active = true;
      if (pr.match < log_.last_index()) SendAppend(m.from);
      return;
    default:
      return;
  }
}

bool Node::HasReady() const {
  return !msgs_.empty() || CurrentHardState() != persisted_hs_ ||
         log_.stable_index() < log_.last_index() ||
         applied_ < std::min(commit_, log_.last_index()) ||
         pending_snapshot_.has_value();
}

Ready Node::GetReady() {
  Ready rd;
  if (CurrentHardState() != persisted_hs_) rd.hard_state = CurrentHardState();
  rd.entries_to_persist = log_.Unstable();
  rd.messages = std::move(msgs_);
  msgs_.clear();
  uint64_t hi = std::min(commit_, log_.last_index());
  if (applied_ < hi) {
    rd.committed_entries = log_.Slice(applied_ + 1, hi, hi - applied_);
  }
  rd.snapshot_to_install = pending_snapshot_;
  return rd;
}

void Node::Advance(const Ready& rd) {
  if (rd.hard_state) persisted_hs_ = *rd.hard_state;
  if (!rd.entries_to_persist.empty()) {
    log_.MarkStable(rd.entries_to_persist.back().index);
  }
  if (!rd.committed_entries.empty()) {
    applied_ = rd.committed_entries.back().index;
  }
  if (rd.snapshot_to_install) pending_snapshot_.reset();
  if (role_ == Role::kLeader) MaybeCommit();
}

void Node::Compact(uint64_t index, uint64_t term) {
  if (index <= log_.base().index) return;
  VK_CHECK(index <= applied_);
  VK_CHECK(log_.MatchTerm(index, term));
  log_.CompactTo(index);
}

}  // namespace vk::raft
