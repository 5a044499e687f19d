#include "minivault/raft/raft.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "kit/base/check.h"
#include "minivault/raft/membership.h"
#include "minivault/raft/wire.h"

namespace vk::raft {

namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Each node's stream starts at a hashed state. splitmix64 steps its state
// by kGolden, so states differing by a multiple of it (as seed ^ id * kGolden
// did for small seeds) give the same timeouts shifted by a few draws: two
// candidates could then time out in lock step and split votes forever.
uint64_t SeedFor(uint64_t seed, NodeId id) { return Mix64(seed ^ Mix64(id)); }

}  // namespace

Node Node::Start(const Config& config, HardState hs, std::vector<Entry> log,
                 SnapshotBase base, uint64_t applied) {
  Config cfg = config;
  NormalizeVoters(cfg.voters);
  NormalizeVoters(base.voters);
  VK_CHECK(applied == 0 || applied >= base.index);
  if (applied <= base.index) {
    // Both describe the configuration as of the base; config.voters wins,
    // unless empty (a node that learned it into base_voters, see Ready).
    applied = base.index;
    if (cfg.voters.empty()) {
      cfg.voters = base.voters;
    } else {
      base.voters = cfg.voters;
    }
  }
  return Node(cfg, hs, Log(std::move(base), std::move(log)), applied);
}

Node::Node(const Config& config, HardState hs, Log log, uint64_t applied)
    : cfg_(config),
      term_(hs.term),
      vote_(hs.vote),
      log_(std::move(log)),
      commit_(std::max(hs.commit, applied)),
      applied_(applied),
      rng_(SeedFor(config.seed, config.id)),
      persisted_hs_(hs) {
  VK_CHECK(cfg_.id != 0);
  VK_CHECK(cfg_.election_ticks > cfg_.heartbeat_ticks &&
           cfg_.heartbeat_ticks > 0);
  VK_CHECK(applied_ >= log_.base().index);
  VK_CHECK(commit_ <= log_.last_index());
  RebuildConfHistory();
  BecomeFollower(term_, 0);
}

// splitmix64: tiny, seedable and identical on every platform.
uint64_t Node::NextRandom() { return Mix64(rng_ += kGolden); }

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
  // Changes inherited from earlier terms and not yet applied here count as
  // in progress: a second one must wait until they are.
  pending_conf_index_ = log_.LastConfChangeIn(applied_, log_.last_index());
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
  for (auto& [id, g] : votes_) {
    if (IsVoter(id)) (g ? yes : no)++;
  }
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
      if (Promotable()) {
        Campaign(cfg_.pre_vote);
      } else {
        election_elapsed_ = randomized_timeout_;  // stays bounded
      }
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
  AppendAndReplicate(Entry::Type::kNormal, std::move(data));
  return Status::Ok();
}

void Node::AppendAndReplicate(Entry::Type type, std::string data) {
  log_.AppendNew(term_, type, std::move(data));
  for (auto& [peer, pr] : progress_) SendAppend(peer);
  if (progress_.empty()) MaybeCommit();
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
  // From the very start of the log: say which configuration it starts
  // from (the bootstrap voters), which a freshly added node cannot know.
  if (prev == 0) m.snapshot.voters = log_.base().voters;
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
    if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
        m.type == MessageType::kSnapshot) {
      // A stale leader (maybe cut off and unaware): tell it our term so it
      // steps down. With pre-vote, or with membership changes (candidates
      // ask only their own voters), it may otherwise never learn it.
      Message r;
      r.type = MessageType::kAppendResponse;
      r.to = m.from;
      Send(std::move(r));
    } else if (m.type == MessageType::kPreVote ||
               m.type == MessageType::kVote) {
      // Reject with our term. A candidate must learn it: with membership
      // changes, nodes whose configurations differ need not ask each other
      // for votes, so it might never hear of our term otherwise.
      Message r;
      r.type = m.type == MessageType::kPreVote ? MessageType::kPreVoteResponse
                                               : MessageType::kVoteResponse;
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
    if (!pre && role_ == Role::kCandidate &&
        log_.IsUpToDate(m.index, m.log_term)) {
      // A rival candidate of our term that we would otherwise vote for:
      // restart our timer with it, so the next round is a fair race. A
      // rival whose voter set lacks us never resets our timer otherwise,
      // and could lose every race to our earlier timeouts.
      election_elapsed_ = 0;
      ResetRandomizedTimeout();
    }
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
  if (m.index == 0 && applied_ == 0) {
    // A node that has applied nothing learns the configuration the log
    // starts from, so replaying the log yields the leader's voter sets.
    std::vector<NodeId> v = m.snapshot.voters;
    NormalizeVoters(v);
    if (!v.empty() && v != log_.base().voters) {
      log_.SetBaseVoters(v);
      cfg_.voters = v;
      conf_history_.clear();
      pending_base_voters_ = std::move(v);
    }
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
    SnapshotMeta base = s;
    NormalizeVoters(base.voters);
    log_.Restore(base);
    commit_ = s.index;
    applied_ = s.index;
    cfg_.voters = base.voters;
    conf_history_.clear();
    pending_base_voters_.reset();  // superseded by the snapshot's
    pending_snapshot_ = std::move(base);
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
         pending_snapshot_.has_value() || pending_base_voters_.has_value();
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
  rd.base_voters = pending_base_voters_;
  return rd;
}

void Node::Advance(const Ready& rd) {
  if (rd.hard_state) persisted_hs_ = *rd.hard_state;
  if (!rd.entries_to_persist.empty()) {
    log_.MarkStable(rd.entries_to_persist.back().index);
  }
  for (const Entry& e : rd.committed_entries) {
    applied_ = e.index;
    if (e.type != Entry::Type::kConfChange) continue;
    // An undecodable change is skipped, identically on every node (the
    // host's own decode reports it).
    auto cc = DecodeConfChange(e.data);
    if (cc.ok()) ApplyConfChange(e.index, *cc);
  }
  if (rd.snapshot_to_install) pending_snapshot_.reset();
  if (rd.base_voters) pending_base_voters_.reset();
  if (role_ == Role::kLeader) MaybeCommit();
}

void Node::Compact(uint64_t index, uint64_t term) {
  if (index <= log_.base().index) return;
  VK_CHECK(index <= applied_);
  VK_CHECK(log_.MatchTerm(index, term));
  log_.CompactTo(index, VotersAt(index));
  std::erase_if(conf_history_, [&](const auto& h) { return h.first <= index; });
}

}  // namespace vk::raft
