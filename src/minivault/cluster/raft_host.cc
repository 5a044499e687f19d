#include "minivault/cluster/raft_host.h"

#include <algorithm>
#include <chrono>

#include "kit/crypto/aead.h"
#include "kit/crypto/sha256.h"
#include "minivault/raft/wire.h"

namespace vk::minivault {
namespace {

constexpr int kLogDebug = 1;
constexpr int kLogInfo = 2;
constexpr int kLogWarn = 3;
constexpr int kLogError = 4;

std::vector<raft::NodeId> VotersOf(const fsm::Configuration& c) {
  std::vector<raft::NodeId> v;
  for (const auto& s : c.servers) {
    if (s.suffrage == 0) v.push_back(RaftIdFor(s.id));
  }
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

struct RaftHost::Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Status status;
  uint64_t index = 0;
  uint64_t term = 0;

  void Finish(Status s) {
    {
      std::lock_guard l(mu);
      if (done) return;
      done = true;
      status = std::move(s);
    }
    cv.notify_all();
  }
};

RaftHost::RaftHost(RaftHostOptions options)
    : opt_(std::move(options)), id_(RaftIdFor(opt_.self.node_id)) {}

Result<std::unique_ptr<RaftHost>> RaftHost::Start(RaftHostOptions options) {
  std::unique_ptr<RaftHost> h(new RaftHost(std::move(options)));
  VK_RETURN_IF_ERROR(h->Init());
  h->thread_ = std::thread([p = h.get()] { p->Run(); });
  return h;
}

RaftHost::~RaftHost() { Stop(); }

void RaftHost::Stop() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  for (auto& [index, w] : waiters_) w->Finish(Unavailable("server stopping"));
  waiters_.clear();
  senders_.clear();
}

Status RaftHost::Init() {
  VK_ASSIGN_OR_RETURN(log_, raftstore::LogStore::Open({.dir = opt_.dir}));
  VK_ASSIGN_OR_RETURN(raftstore::LogStore::State st, log_->Load());
  fsm::Store* store = opt_.store;
  uint64_t fsm_applied = store->applied_index();
  fsm::Configuration config = store->configuration();
  std::vector<raft::NodeId> voters = VotersOf(config);
  // A store written before this log existed (or a log lost while the state
  // survived): the log starts after what the state machine holds.
  if (st.entries.empty() && st.base.index < fsm_applied) {
    st.base = {fsm_applied, store->applied_term(), voters};
    st.hard_state.term = std::max(st.hard_state.term, st.base.term);
    st.hard_state.commit = fsm_applied;
    VK_RETURN_IF_ERROR(log_->Reset(st.base, st.hard_state));
  }
  // The state machine may be ahead of the log (a state copy from the
  // leader lands at the leader's index); the core's applied index stays
  // within the log and the replays in between are skipped by the store.
  uint64_t last = st.base.index + st.entries.size();
  uint64_t applied = std::clamp(fsm_applied, st.base.index, last);
  raft::SnapshotMeta base;
  base.index = st.base.index;
  base.term = st.base.term;
  base.voters = st.base.voters.empty() ? voters : st.base.voters;
  StartNode(voters, st.hard_state, std::move(st.entries), std::move(base),
            applied);
  for (const auto& s : config.servers) {
    peers_[RaftIdFor(s.id)] = PeerIdentity{s.id, s.address, ""};
  }
  peers_[id_] = opt_.self;
  Publish();
  return Status::Ok();
}

void RaftHost::StartNode(std::vector<raft::NodeId> voters, raft::HardState hs,
                         std::vector<raft::Entry> log, raft::SnapshotMeta base,
                         uint64_t applied) {
  raft::Config rc;
  rc.id = id_;
  rc.voters = std::move(voters);
  rc.election_ticks = opt_.election_ticks;
  rc.heartbeat_ticks = 1;
  rc.seed =
      id_ ^ static_cast<uint64_t>(
                std::chrono::steady_clock::now().time_since_epoch().count());
  bool alone = rc.voters.size() == 1 && rc.voters[0] == id_;
  node_.emplace(
      raft::Node::Start(rc, hs, std::move(log), std::move(base), applied));
  // A cluster of one needs no timeout to find its leader.
  if (alone) {
    for (int i = 0; i < 2 * opt_.election_ticks; ++i) node_->Tick();
  }
}

void RaftHost::Log(int level, const std::string& m) const {
  if (opt_.log) opt_.log(level, "raft: " + m);
}

void RaftHost::LearnPeer(const PeerIdentity& p) {
  if (p.node_id.empty() || p.cluster_addr.empty()) return;
  peers_[RaftIdFor(p.node_id)] = p;
}

std::optional<std::string> RaftHost::ClusterAddrOf(raft::NodeId id) const {
  auto it = peers_.find(id);
  if (it == peers_.end() || it->second.cluster_addr.empty())
    return std::nullopt;
  return it->second.cluster_addr;
}

void RaftHost::Receive(std::vector<raft::Message> messages,
                       const PeerIdentity& from) {
  {
    std::lock_guard l(mu_);
    LearnPeer(from);
    // A node that cannot keep up drops input rather than grow without
    // bound; raft retransmits.
    if (inbox_.size() > 65536) return;
    for (auto& m : messages) {
      if (m.to == id_) inbox_.push_back(std::move(m));
    }
  }
  cv_.notify_one();
}

uint64_t RaftHost::term() const { return term_.load(); }

Status RaftHost::Propose(Proposal p, std::chrono::milliseconds timeout) {
  auto w = std::make_shared<Waiter>();
  p.waiter = w;
  {
    std::lock_guard l(mu_);
    if (stop_) return Unavailable("server stopping");
    proposals_.push_back(std::move(p));
  }
  cv_.notify_one();
  std::unique_lock l(w->mu);
  if (!w->cv.wait_for(l, timeout, [&] { return w->done; })) {
    return Unavailable("timed out waiting for the raft log to commit");
  }
  return w->status;
}

Status RaftHost::RequireActive() const {
  // A new leader becomes active once its first entry applies (milliseconds).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!active_.load() && status().leader &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (!active_.load()) return FailedPrecondition("node is not the active node");
  return Status::Ok();
}

Status RaftHost::Apply(const fsm::Command& command) {
  VK_RETURN_IF_ERROR(RequireActive());
  return Propose(Proposal{EncodeCommandPayload(command), std::nullopt, {}},
                 opt_.apply_timeout);
}

Status RaftHost::Bootstrap(const std::string& node_id,
                           const std::string& cluster_addr) {
  (void)node_id;
  (void)cluster_addr;
  {
    std::lock_guard l(mu_);
    bootstrap_ = true;
  }
  cv_.notify_one();
  auto deadline = std::chrono::steady_clock::now() + opt_.apply_timeout;
  while (!active_.load()) {
    if (std::chrono::steady_clock::now() > deadline)
      return Unavailable("no raft leader was elected");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Ok();
}

Status RaftHost::Restore(std::unique_ptr<fsm::Store::PendingRestore> pending,
                         uint64_t snapshot_index) {
  (void)snapshot_index;  // the log's next index becomes the state's index
  VK_RETURN_IF_ERROR(RequireActive());
  RestoreMarker marker{HexEncode(AsBytes(RandomBytes(16))), opt_.self.node_id};
  {
    std::lock_guard l(mu_);
    staged_[marker.id] = std::move(pending);
  }
  Status s = Propose(Proposal{EncodeRestorePayload(marker), std::nullopt, {}},
                     opt_.apply_timeout);
  std::lock_guard l(mu_);
  staged_.erase(marker.id);  // deletes the temp file if it was not used
  return s;
}

Status RaftHost::AddVoter(const ServerContext& server) {
  VK_RETURN_IF_ERROR(RequireActive());
  raft::ConfChange cc;
  cc.kind = raft::ConfChange::Kind::kAddVoter;
  cc.node = RaftIdFor(server.node_id);
  cc.context = EncodeServerContext(server);
  {
    std::lock_guard l(mu_);
    LearnPeer(PeerIdentity{server.node_id, server.cluster_addr, ""});
  }
  return Propose(Proposal{"", cc, {}}, opt_.apply_timeout);
}

Status RaftHost::RemovePeer(const std::string& node_id) {
  VK_RETURN_IF_ERROR(RequireActive());
  bool known = false;
  for (const auto& s : opt_.store->configuration().servers)
    known = known || s.id == node_id;
  if (!known)
    return InvalidArgument("node " + node_id +
                           " is not in the raft configuration");
  raft::ConfChange cc;
  cc.kind = raft::ConfChange::Kind::kRemoveNode;
  cc.node = RaftIdFor(node_id);
  cc.context = EncodeServerContext({node_id, ""});
  return Propose(Proposal{"", cc, {}}, opt_.apply_timeout);
}

RaftStatus RaftHost::status() const {
  std::lock_guard l(mu_);
  return status_;
}

void RaftHost::Publish() {
  RaftStatus st;
  st.leader = node_->is_leader();
  st.term = node_->term();
  st.commit = node_->commit_index();
  st.applied = opt_.store->applied_index();
  raft::NodeId lead = node_->leader();
  std::lock_guard l(mu_);
  if (lead != 0) {
    auto it = peers_.find(lead);
    if (it != peers_.end()) st.leader_peer = it->second;
  }
  for (const auto& s : opt_.store->configuration().servers) {
    st.servers.push_back(RaftServerStatus{s.id, s.address,
                                          lead != 0 && RaftIdFor(s.id) == lead,
                                          s.suffrage == 0});
  }
  status_ = std::move(st);
}

void RaftHost::Run() {
  using Clock = std::chrono::steady_clock;
  auto next_tick = Clock::now() + std::chrono::milliseconds(opt_.tick_ms);
  while (true) {
    std::vector<raft::Message> msgs;
    std::vector<Proposal> props;
    bool bootstrap = false;
    {
      std::unique_lock l(mu_);
      cv_.wait_until(l, next_tick, [&] {
        return stop_ || !inbox_.empty() || !proposals_.empty() || bootstrap_;
      });
      if (stop_) return;
      msgs.swap(inbox_);
      props.swap(proposals_);
      bootstrap = bootstrap_;
      bootstrap_ = false;
    }
    if (bootstrap && node_->voters().empty()) {
      fsm::Configuration config;
      config.servers.push_back({0, opt_.self.node_id, opt_.self.cluster_addr});
      config.index = opt_.store->applied_index();
      if (Status s = opt_.store->SetConfiguration(config); !s.ok()) {
        Log(kLogError, "bootstrap: " + s.message());
      } else {
        raft::SnapshotMeta base = node_->log().base();
        base.voters = {id_};
        std::vector<raft::Entry> entries = node_->log().Slice(
            node_->log().first_index(), node_->log().last_index(), SIZE_MAX);
        raft::HardState hs{node_->term(), 0, node_->commit_index()};
        StartNode({id_}, hs, std::move(entries), std::move(base),
                  node_->applied_index());
        Log(kLogInfo,
            "bootstrapped a new cluster with this node as its "
            "only server");
      }
    }
    if (Clock::now() >= next_tick) {
      node_->Tick();
      next_tick = Clock::now() + std::chrono::milliseconds(opt_.tick_ms);
    }
    for (const auto& m : msgs) node_->Step(m);
    for (auto& p : props) {
      Status s = p.conf ? node_->ProposeConfChange(*p.conf)
                        : node_->Propose(std::move(p.data));
      if (!s.ok()) {
        p.waiter->Finish(s.code() == StatusCode::kFailedPrecondition &&
                                 s.message() == "not leader"
                             ? FailedPrecondition("node is not the active node")
                             : s);
        continue;
      }
      p.waiter->index = node_->log().last_index();
      p.waiter->term = node_->term();
      waiters_[p.waiter->index] = p.waiter;
    }
    while (node_->HasReady()) ProcessReady();
    term_.store(node_->term());
    // Active only once this leader applied an entry of its own term: then
    // everything committed before it is in the local state.
    bool leader =
        node_->is_leader() &&
        node_->log().Term(node_->applied_index()).value_or(0) == node_->term();
    if (leader != was_leader_) {
      was_leader_ = leader;
      active_.store(leader);
      Log(kLogInfo, leader ? "this node is now the leader (active)"
                           : "this node is no longer the leader (standby)");
      if (opt_.on_active) opt_.on_active(leader);
    }
    Publish();
  }
}

void RaftHost::ProcessReady() {
  raft::Ready rd = node_->GetReady();
  if (rd.snapshot_to_install) {
    const raft::SnapshotMeta& meta = *rd.snapshot_to_install;
    if (opt_.store->applied_index() < meta.index) {
      Status s = InstallFromLeader(meta.index, node_->leader());
      if (!s.ok()) Log(kLogWarn, "installing a snapshot: " + s.message());
    }
    Status s = log_->Reset({meta.index, meta.term, meta.voters}, rd.hard_state);
    if (!s.ok()) Log(kLogError, "raft log reset: " + s.message());
  } else if (rd.base_voters) {
    raftstore::LogBase b = log_->base();
    b.voters = *rd.base_voters;
    if (Status s = log_->Reset(b, std::nullopt); !s.ok())
      Log(kLogError, "storing the raft log's base voters: " + s.message());
  }
  if (rd.hard_state || !rd.entries_to_persist.empty()) {
    Status s = log_->Save(rd.hard_state, rd.entries_to_persist);
    if (!s.ok()) {
      // Sending after a failed fsync would break raft's promises: stop
      // participating instead (the operator sees it in the log).
      Log(kLogError,
          "persisting the raft log failed, stopping: " + s.message());
      std::lock_guard l(mu_);
      stop_ = true;
      return;
    }
  }
  for (auto& m : rd.messages) {
    std::optional<std::string> addr;
    {
      std::lock_guard l(mu_);
      addr = ClusterAddrOf(m.to);
    }
    if (!addr) continue;
    auto& sender = senders_[m.to];
    if (!sender) {
      sender = std::make_unique<PeerSender>(*addr, opt_.self);
    } else if (sender->address() != *addr) {
      sender->SetAddress(*addr);
    }
    sender->Send(std::move(m));
  }
  for (const auto& e : rd.committed_entries) {
    bytes_since_compact_ += e.data.size();
    Status s = e.type == raft::Entry::Type::kConfChange ? ApplyConfChange(e)
                                                        : ApplyEntry(e);
    if (!s.ok()) {
      Log(kLogError, "applying raft index " + std::to_string(e.index) + ": " +
                         s.message());
    }
    auto it = waiters_.find(e.index);
    if (it != waiters_.end()) {
      it->second->Finish(
          it->second->term == e.term
              ? s
              : Unavailable("leadership changed before the write committed"));
      waiters_.erase(it);
    }
  }
  node_->Advance(rd);
  MaybeCompact(compact_now_);
  compact_now_ = false;
}

Status RaftHost::InstallFromLeader(uint64_t min_index, raft::NodeId hint) {
  // Blocks the loop: this node cannot apply anything until it has the
  // state, and not ticking keeps it from campaigning meanwhile.
  for (int attempt = 0;; ++attempt) {
    raft::NodeId from = hint != 0 ? hint : node_->leader();
    std::optional<std::string> addr;
    {
      std::lock_guard l(mu_);
      if (stop_) return Unavailable("server stopping");
      addr = ClusterAddrOf(from);
    }
    if (addr && from != id_) {
      auto got = FetchState(*addr, min_index, opt_.self, opt_.store);
      if (got.ok()) {
        Log(kLogInfo, "installed the state of " + *addr + " at index " +
                          std::to_string(got.value()));
        if (opt_.on_state_replaced) opt_.on_state_replaced();
        return Status::Ok();
      }
      if (attempt % 10 == 0)
        Log(kLogWarn,
            "fetching the state from " + *addr + ": " + got.status().message());
    }
    if (attempt >= 300) return Unavailable("no leader to copy the state from");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

Status RaftHost::ApplyEntry(const raft::Entry& e) {
  fsm::Store* store = opt_.store;
  if (e.index <= store->applied_index()) return Status::Ok();
  VK_ASSIGN_OR_RETURN(Payload p, DecodePayload(e.data));
  if (p.kind != PayloadKind::kRestore) {
    return store->Apply(e.index, e.term, p.command);
  }
  std::unique_ptr<fsm::Store::PendingRestore> staged;
  {
    std::lock_guard l(mu_);
    auto it = staged_.find(p.restore.id);
    if (it != staged_.end()) staged = std::move(it->second);
  }
  if (staged) {
    VK_RETURN_IF_ERROR(store->CommitInstall(std::move(staged), e.index, e.term,
                                            store->configuration()));
    Log(kLogInfo, "restored a snapshot at index " + std::to_string(e.index));
    // Followers that have not seen this entry copy the new state.
    compact_now_ = true;
    return Status::Ok();
  }
  // Another node restored: copy its state (at or after this entry).
  raft::NodeId proposer = RaftIdFor(p.restore.proposer);
  if (proposer == id_) {
    return Internal("the restore staged on this node was lost (restart?)");
  }
  return InstallFromLeader(e.index, node_->is_leader() ? proposer : 0);
}

Status RaftHost::ApplyConfChange(const raft::Entry& e) {
  fsm::Store* store = opt_.store;
  if (e.index <= store->applied_index()) return Status::Ok();
  VK_ASSIGN_OR_RETURN(raft::ConfChange cc, raft::DecodeConfChange(e.data));
  VK_ASSIGN_OR_RETURN(ServerContext server, DecodeServerContext(cc.context));
  fsm::Configuration config = store->configuration();
  auto& servers = config.servers;
  servers.erase(std::remove_if(servers.begin(), servers.end(),
                               [&](const snapshot::RaftServer& s) {
                                 return RaftIdFor(s.id) == cc.node;
                               }),
                servers.end());
  if (cc.kind == raft::ConfChange::Kind::kAddVoter) {
    servers.push_back({0, server.node_id, server.cluster_addr});
    std::lock_guard l(mu_);
    LearnPeer(PeerIdentity{server.node_id, server.cluster_addr, ""});
  }
  config.index = e.index;
  VK_RETURN_IF_ERROR(store->Apply(e.index, e.term, fsm::Command{}, &config));
  Log(kLogInfo,
      std::string(cc.kind == raft::ConfChange::Kind::kAddVoter ? "added "
                                                               : "removed ") +
          server.node_id + " (index " + std::to_string(e.index) + ")");
  if (cc.kind == raft::ConfChange::Kind::kAddVoter && node_->is_leader()) {
    // The new server starts from a copy of the state, not from the log.
    compact_now_ = true;
  }
  if (cc.kind == raft::ConfChange::Kind::kRemoveNode) senders_.erase(cc.node);
  return Status::Ok();
}

void RaftHost::MaybeCompact(bool force) {
  // The state machine is the snapshot, so the log can go up to what the
  // core has applied (which Advance has just confirmed or is confirming).
  uint64_t index =
      std::min(node_->applied_index(), opt_.store->applied_index());
  uint64_t base = node_->log().base().index;
  if (index <= base) return;
  if (!force && index - base < opt_.compact_threshold &&
      bytes_since_compact_ < opt_.compact_bytes)
    return;
  auto term = node_->log().Term(index);
  if (!term) return;
  if (Status s = log_->Compact({index, *term, node_->VotersAt(index)});
      !s.ok()) {
    Log(kLogWarn, "compacting the raft log: " + s.message());
    return;
  }
  node_->Compact(index, *term);
  bytes_since_compact_ = 0;
}

}  // namespace vk::minivault
