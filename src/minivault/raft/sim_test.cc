// Deterministic simulation of a raft cluster: a lossy, reordering,
// duplicating, partitionable network, crashes that lose everything not
// fsynced, clients proposing values, and membership changes (fresh nodes
// added, members removed and later re-added). Safety is checked after every
// round, liveness once the network heals.
//
// VK_RAFT_SEEDS=N runs N seeds per cluster size; VK_RAFT_SEED=S replays one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "minivault/raft/raft.h"
#include "minivault/raft/wire.h"

namespace vk::raft {
namespace {

// The seed being simulated, printed if a VK_CHECK inside raft aborts.
volatile uint64_t g_current_seed = 0;
volatile int g_current_n = 0;

void OnAbort(int) {
  char buf[96];
  int len =
      snprintf(buf, sizeof buf, "\nraft sim aborted: n=%d VK_RAFT_SEED=%llu\n",
               g_current_n, static_cast<unsigned long long>(g_current_seed));
  if (len > 0) (void)!write(2, buf, static_cast<size_t>(len));
}

struct Rng {
  uint64_t s;
  uint64_t Next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool Chance(double p) {
    return static_cast<double>(Next() >> 11) * 0x1p-53 < p;
  }
};

using Ids = std::vector<NodeId>;

// The host's own view of a membership change (checked against the core's).
void ApplyChange(Ids& v, const Entry& e) {
  if (e.type != Entry::Type::kConfChange) return;
  auto cc = DecodeConfChange(e.data);
  if (!cc.ok()) return;
  auto it = std::find(v.begin(), v.end(), cc->node);
  if (cc->kind == ConfChange::Kind::kAddVoter && it == v.end()) {
    v.insert(std::upper_bound(v.begin(), v.end(), cc->node), cc->node);
  } else if (cc->kind == ConfChange::Kind::kRemoveNode && it != v.end()) {
    v.erase(it);
  }
}

struct SimNode {
  bool exists = false;
  std::optional<Node> node;      // nullopt while crashed or stopped
  std::optional<Ready> pending;  // handed out, not yet fsynced
  int down_until = 0;
  // Membership: `member` is what the operator last asked for; a node whose
  // removal is committed is stopped (decommissioned) at `stop_at`.
  bool member = true;
  bool stopped = false;
  int stop_at = -1;
  int last_op = -1;  // the operator's latest change naming this node
  // What survives a crash.
  HardState hs;
  SnapshotMeta base;
  std::vector<Entry> disk_log;  // entries after base
  // The application's state machine: every applied entry from index 1,
  // and the voters as of the last one.
  std::vector<Entry> applied;
  Ids app_voters;
};

struct InFlight {
  int at;
  Message m;
};

class Sim {
 public:
  Sim(int n, uint64_t seed) : n_(n), seed_(seed), rng_{seed * 7919 + 17} {
    loss_ = static_cast<double>(rng_.Below(20)) / 100.0;  // 0..19 %
    dup_ = static_cast<double>(rng_.Below(10)) / 100.0;
    max_delay_ = 1 + static_cast<int>(rng_.Below(4));
    heartbeat_ticks_ = 1 + static_cast<int>(rng_.Below(2));
    // Mostly the production setting, sometimes plain raft.
    pre_vote_ = !rng_.Chance(0.25);
    check_quorum_ = !rng_.Chance(0.25);
    // Operator actions per round; a quarter of the runs keep the
    // membership fixed, some change it as often as it lets them.
    const double kOpRates[] = {0.0, 0.01, 0.03, 0.1};
    member_ops_ = kOpRates[rng_.Below(4)];
    max_id_ = n + 3;
    nodes_.resize(static_cast<size_t>(max_id_) + 1);
    side_.assign(static_cast<size_t>(max_id_) + 1, 0);
    for (int i = 1; i <= n; ++i) initial_.push_back(static_cast<NodeId>(i));
    global_voters_ = initial_;
    for (int i = 1; i <= n; ++i) Create(i, initial_);
  }

  // Returns "" or a description of the first violated property.
  std::string Run(int rounds) {
    for (now_ = 0; now_ < rounds && err_.empty(); ++now_) {
      ChaosEvents();
      Round(/*fsync_prob=*/0.8);
      CheckLeaders();
    }
    if (!err_.empty()) return err_;
    return Heal();
  }

  int proposals_committed() const { return static_cast<int>(acked_.size()); }
  int snapshots_installed() const { return snapshots_installed_; }
  int crashes() const { return crashes_; }
  int terms_with_leader() const { return static_cast<int>(leaders_.size()); }
  int changes_committed() const { return changes_committed_; }

 private:
  Config MakeConfig(int id) const {
    Config c;
    c.id = static_cast<NodeId>(id);
    c.election_ticks = 10;
    c.heartbeat_ticks = heartbeat_ticks_;
    c.seed = seed_;
    c.max_entries_per_message = 8;
    c.pre_vote = pre_vote_;
    c.check_quorum = check_quorum_;
    return c;
  }

  void Fail(const std::string& what) {
    if (err_.empty()) err_ = "round " + std::to_string(now_) + ": " + what;
  }

  SimNode& At(int i) { return nodes_[static_cast<size_t>(i)]; }
  bool InGlobal(int i) const {
    return std::binary_search(global_voters_.begin(), global_voters_.end(),
                              static_cast<NodeId>(i));
  }

  // A node with an empty disk: the initial members know the initial
  // configuration; a fresh node knows none.
  void Create(int i, const Ids& voters) {
    SimNode& s = At(i);
    s.exists = true;
    s.base.voters = voters;
    s.app_voters = initial_;  // the truth as of index 0
    created_ = std::max(created_, i);
    Restart(i);
  }

  // Half the time the state machine survived (restart from `applied` with
  // the configuration stored beside it), else it reloads the snapshot.
  void Restart(int i) {
    SimNode& s = At(i);
    Config c = MakeConfig(i);
    if (s.applied.size() > s.base.index && rng_.Chance(0.5)) {
      c.voters = s.app_voters;
      s.node.emplace(
          Node::Start(c, s.hs, s.disk_log, s.base, s.applied.size()));
    } else {
      c.voters = s.base.voters;
      s.node.emplace(Node::Start(c, s.hs, s.disk_log, s.base));
      s.applied.clear();
      s.app_voters = initial_;
      if (s.base.index > 0) {
        s.applied = snapshots_.at(s.base.index);
        s.app_voters = snap_voters_.at(s.base.index);
      }
    }
    s.pending.reset();
  }

  void Stop(int i) {
    SimNode& s = At(i);
    s.node.reset();
    s.pending.reset();
    s.stopped = true;
    s.stop_at = -1;
  }

  // Decommissions, after `delay` rounds, nodes whose removal is committed;
  // brings back a stopped node that is wanted again (a removal found lost
  // after the node was stopped, with a re-add committed meanwhile).
  void StopRemoved(int delay) {
    for (int i = 1; i <= created_; ++i) {
      SimNode& s = At(i);
      bool wanted = s.member || InGlobal(i);
      if (s.stopped) {
        if (wanted) {
          s.stopped = false;
          s.down_until = now_;
        }
        continue;
      }
      if (wanted) {
        s.stop_at = -1;
        continue;
      }
      if (s.stop_at < 0) {
        s.stop_at =
            now_ +
            (delay ? static_cast<int>(rng_.Below(static_cast<uint64_t>(delay)))
                   : 0);
      }
      if (now_ >= s.stop_at) Stop(i);
    }
  }

  // A leader that is not busy persisting, or 0.
  int CurrentLeader() {
    for (int i = 1; i <= created_; ++i) {
      SimNode& s = At(i);
      if (s.node && !s.pending && s.node->is_leader()) return i;
    }
    return 0;
  }

  // The operator: add a fresh node, remove a member, or re-add one.
  void MembershipOp() {
    int l = CurrentLeader();
    if (l == 0) return;
    Node& ln = *At(l).node;
    const Ids& v = ln.voters();
    uint64_t kind = rng_.Below(3);
    ConfChange cc;
    int target = 0;
    if (kind == 0) {
      if (created_ >= max_id_ || v.size() >= 6) return;
      target = created_ + 1;
      cc = {ConfChange::Kind::kAddVoter, static_cast<NodeId>(target), "fresh"};
    } else if (kind == 1) {
      if (v.size() <= 2) return;
      target = static_cast<int>(v[rng_.Below(v.size())]);
      cc = {ConfChange::Kind::kRemoveNode, static_cast<NodeId>(target), ""};
    } else {
      std::vector<int> gone;
      for (int i = 1; i <= created_; ++i) {
        if (!At(i).member) gone.push_back(i);
      }
      if (gone.empty()) return;
      target = gone[rng_.Below(gone.size())];
      cc = {ConfChange::Kind::kAddVoter, static_cast<NodeId>(target), "back"};
    }
    Status st = ln.ProposeConfChange(cc);
    if (!st.ok()) {
      if (st.message() != "a configuration change is already in progress") {
        Fail("ProposeConfChange: " + st.ToString());
      }
      return;
    }
    // Like a real operator, learn later whether it was committed.
    int seq = static_cast<int>(ops_.size());
    ops_.push_back(
        {ln.log().last_index(), ln.term(), target, kind != 1, false});
    At(target).last_op = seq;
    if (kind == 0) {
      Create(target, {});
    } else if (kind == 1) {
      At(target).member = false;
    } else {
      SimNode& s = At(target);
      s.member = true;
      s.stop_at = -1;
      if (s.stopped) {
        s.stopped = false;
        s.down_until = now_;
      }
    }
    Pump(l, 0.8);
  }

  void Crash(int i) {
    SimNode& s = nodes_[static_cast<size_t>(i)];
    s.node.reset();
    s.pending.reset();  // never fsynced: lost
    ++crashes_;
    s.down_until = now_ + 5 + static_cast<int>(rng_.Below(40));
  }

  bool Connected(NodeId a, NodeId b) const { return side_[a] == side_[b]; }

  void ChaosEvents() {
    StopRemoved(30);
    for (int i = 1; i <= created_; ++i) {
      SimNode& s = nodes_[static_cast<size_t>(i)];
      if (s.stopped) continue;
      if (!s.node && now_ >= s.down_until)
        Restart(i);
      else if (s.node && rng_.Chance(0.004))
        Crash(i);
    }
    if (rng_.Chance(0.01)) {
      bool heal = rng_.Chance(0.5);
      for (int i = 1; i <= max_id_; ++i) {
        side_[static_cast<size_t>(i)] =
            heal ? 0 : static_cast<int>(rng_.Below(2));
      }
    }
    if (rng_.Chance(member_ops_)) MembershipOp();
    if (rng_.Chance(0.3)) {
      int i = 1 + static_cast<int>(rng_.Below(static_cast<uint64_t>(created_)));
      SimNode& s = nodes_[static_cast<size_t>(i)];
      if (s.node && !s.pending) {
        std::string v = std::to_string(next_value_++);
        v.insert(0, 1, 'v');
        Status st = s.node->Propose(v);
        if (!st.ok() && st.message() != "not leader") Fail(st.ToString());
        if (st.ok() != s.node->is_leader()) Fail("Propose/is_leader mismatch");
        Pump(i, 0.8);
      }
    }
  }

  // One tick of logical time: fsync or tick every node, then deliver.
  void Round(double fsync_prob) {
    for (int i = 1; i <= created_; ++i) {
      SimNode& s = nodes_[static_cast<size_t>(i)];
      if (!s.node) continue;
      if (s.pending) {
        if (rng_.Chance(fsync_prob)) Complete(i);
        continue;
      }
      s.node->Tick();
      Pump(i, fsync_prob);
    }
    std::vector<InFlight> due;
    std::vector<InFlight> later;
    for (auto& f : net_) (f.at <= now_ ? due : later).push_back(std::move(f));
    net_ = std::move(later);
    for (size_t k = due.size(); k > 1; --k) {
      std::swap(due[k - 1], due[rng_.Below(k)]);
    }
    for (auto& f : due) {
      SimNode& s = nodes_[f.m.to];
      if (!s.node || !Connected(f.m.from, f.m.to)) continue;
      if (s.pending) {  // busy persisting: the message waits
        f.at = now_ + 1;
        net_.push_back(std::move(f));
        continue;
      }
      s.node->Step(f.m);
      Pump(static_cast<int>(f.m.to), fsync_prob);
    }
  }

  void Pump(int i, double fsync_prob) {
    SimNode& s = nodes_[static_cast<size_t>(i)];
    if (s.pending || !s.node->HasReady()) return;
    s.pending = s.node->GetReady();
    if (s.pending->empty()) Fail("HasReady but empty Ready");
    if (rng_.Chance(fsync_prob)) Complete(i);
  }

  // The host's side of the Ready contract, including the "fsync".
  void Complete(int i) {
    SimNode& s = nodes_[static_cast<size_t>(i)];
    Ready rd = std::move(*s.pending);
    s.pending.reset();
    if (rd.snapshot_to_install) {
      SnapshotMeta meta = *rd.snapshot_to_install;
      auto it = snapshots_.find(meta.index);
      if (it == snapshots_.end()) return Fail("unknown snapshot");
      if (it->second.back().term != meta.term) return Fail("snapshot term");
      if (meta.voters != snap_voters_.at(meta.index)) {
        return Fail("snapshot voters");
      }
      s.base = meta;
      s.disk_log.clear();
      s.applied = it->second;
      s.app_voters = meta.voters;
      ++snapshots_installed_;
    }
    if (rd.base_voters) {
      if (s.base.index != 0) return Fail("base voters above index 0");
      if (*rd.base_voters != initial_) return Fail("wrong base voters");
      s.base.voters = *rd.base_voters;
    }
    if (rd.hard_state) {
      if (rd.hard_state->term < s.hs.term) Fail("term went backwards");
      s.hs = *rd.hard_state;
    }
    for (const Entry& e : rd.entries_to_persist) {
      if (e.index <= s.base.index) return Fail("persisting compacted entry");
      size_t k = e.index - s.base.index - 1;
      if (k > s.disk_log.size()) return Fail("gap in persisted log");
      s.disk_log.resize(k);
      s.disk_log.push_back(e);
    }
    for (Message& m : rd.messages) {
      if (m.from != static_cast<NodeId>(i)) Fail("bad message sender");
      if (!Connected(m.from, m.to) || rng_.Chance(loss_)) continue;
      int at = now_ +
               static_cast<int>(rng_.Below(static_cast<uint64_t>(max_delay_)));
      if (rng_.Chance(dup_)) net_.push_back({at + 1, m});
      net_.push_back({at, std::move(m)});
    }
    for (const Entry& e : rd.committed_entries) Apply(i, e);
    s.node->Advance(rd);
    if (!s.applied.empty() && s.node->voters() != s.app_voters) {
      return Fail("node " + std::to_string(i) + " voters disagree with log");
    }
    // Compact now and then, so lagging nodes need snapshots.
    uint64_t applied = s.node->applied_index();
    if (applied >= s.base.index + 6 && rng_.Chance(0.3)) {
      const Entry& last = s.applied[applied - 1];
      s.node->Compact(applied, last.term);
      if (s.node->log().base().voters != s.app_voters) {
        return Fail("compaction recorded wrong voters");
      }
      auto [vit, vfresh] = snap_voters_.emplace(applied, s.app_voters);
      if (!vfresh && vit->second != s.app_voters) {
        return Fail("snapshot voters differ");
      }
      auto [it, fresh] = snapshots_.emplace(
          applied, std::vector<Entry>(
                       s.applied.begin(),
                       s.applied.begin() + static_cast<ptrdiff_t>(applied)));
      if (!fresh && it->second != s.applied) {
        // Compare only the prefix this node snapshotted.
        for (uint64_t k = 0; k < applied; ++k) {
          if (!(it->second[k] == s.applied[k])) return Fail("snapshots differ");
        }
      }
      s.disk_log.erase(
          s.disk_log.begin(),
          s.disk_log.begin() + static_cast<ptrdiff_t>(applied - s.base.index));
      s.base = {applied, last.term, s.app_voters};
    }
  }

  void Apply(int i, const Entry& e) {
    SimNode& s = nodes_[static_cast<size_t>(i)];
    if (e.index != s.applied.size() + 1) {
      return Fail("node " + std::to_string(i) + " applied index " +
                  std::to_string(e.index) + " after " +
                  std::to_string(s.applied.size()));
    }
    auto [it, fresh] = committed_.emplace(e.index, e);
    if (!fresh && !(it->second == e)) {
      return Fail("committed entry " + std::to_string(e.index) +
                  " changed: term " + std::to_string(it->second.term) + " '" +
                  it->second.data + "' vs term " + std::to_string(e.term) +
                  " '" + e.data + "' on node " + std::to_string(i));
    }
    s.applied.push_back(e);
    ApplyChange(s.app_voters, e);
    if (e.type == Entry::Type::kNormal && !e.data.empty())
      acked_.insert(e.data);
    for (auto g = committed_.find(global_upto_ + 1); g != committed_.end();
         g = committed_.find(global_upto_ + 1)) {
      ++global_upto_;
      if (g->second.type != Entry::Type::kConfChange) continue;
      Ids before = global_voters_;
      ApplyChange(global_voters_, g->second);
      if (global_voters_ != before) ++changes_committed_;
    }
    ResolveOps();
  }

  // A change is lost once its index holds another entry, or once an entry
  // of a later term is committed before it (log matching: it can never be
  // committed then). The operator's intent reverts, so a node whose add was
  // lost is decommissioned again.
  void ResolveOps() {
    if (global_upto_ == 0) return;
    uint64_t last_term = committed_.at(global_upto_).term;
    for (size_t k = 0; k < ops_.size(); ++k) {
      Op& op = ops_[k];
      if (op.resolved) continue;
      bool lost;
      if (op.index <= global_upto_) {
        lost = committed_.at(op.index).term != op.term;
      } else if (last_term > op.term) {
        lost = true;
      } else {
        continue;
      }
      op.resolved = true;
      SimNode& s = At(op.target);
      if (lost && s.last_op == static_cast<int>(k)) s.member = !op.add;
    }
  }

  void CheckLeaders() {
    for (int i = 1; i <= created_; ++i) {
      const SimNode& s = nodes_[static_cast<size_t>(i)];
      if (!s.node) continue;
      const Ids& v = s.node->voters();
      if (s.node->role() != Role::kFollower &&
          !std::binary_search(v.begin(), v.end(), static_cast<NodeId>(i))) {
        Fail("node " + std::to_string(i) + " campaigns or leads outside " +
             "its voter set");
      }
      if (!s.node->is_leader()) continue;
      auto [it, fresh] = leaders_.emplace(s.node->term(), i);
      if (!fresh && it->second != i) {
        Fail("two leaders in term " + std::to_string(s.node->term()) + ": " +
             std::to_string(it->second) + " and " + std::to_string(i));
      }
    }
  }

  std::string Heal() {
    loss_ = 0;
    dup_ = 0;
    side_.assign(side_.size(), 0);
    StopRemoved(0);
    for (int i = 1; i <= created_; ++i) {
      SimNode& s = nodes_[static_cast<size_t>(i)];
      if (s.stopped) continue;
      if (!s.node) Restart(i);
      if (s.pending) Complete(i);
    }
    const int kMaxRounds = 400;
    int start = now_;
    for (; now_ < start + kMaxRounds && err_.empty(); ++now_) {
      StopRemoved(0);
      for (int i = 1; i <= created_; ++i) {
        if (!At(i).stopped && !At(i).node) Restart(i);
      }
      Round(1.0);
      CheckLeaders();
      if (Converged()) break;
    }
    if (!err_.empty()) return err_;
    if (!Converged()) {
      std::string state = "no convergence within " +
                          std::to_string(kMaxRounds) + " ticks after healing:";
      for (int i = 1; i <= created_; ++i) {
        const SimNode& s = nodes_[static_cast<size_t>(i)];
        if (!s.node) continue;
        const Node& nd = *s.node;
        state += " [node " + std::to_string(i) + " role " +
                 std::to_string(static_cast<int>(nd.role())) + " term " +
                 std::to_string(nd.term()) + " lead " +
                 std::to_string(nd.leader()) + " commit " +
                 std::to_string(nd.commit_index()) + " last " +
                 std::to_string(nd.log().last_index()) + "/" +
                 std::to_string(nd.log().last_term()) + " base " +
                 std::to_string(nd.log().base().index) + " applied " +
                 std::to_string(s.applied.size()) + " voters";
        for (NodeId v : nd.voters()) {
          state += ' ';
          state += std::to_string(v);
        }
        state += "]";
      }
      return state;
    }
    const Node& leader = *At(CurrentLeader()).node;
    const std::vector<Entry>& ref = At(static_cast<int>(leader.id())).applied;
    for (NodeId id : leader.voters()) {
      const SimNode& s = At(static_cast<int>(id));
      if (s.applied != ref) return "applied sequences differ";
      std::set<std::string> have;
      for (const Entry& e : s.applied) have.insert(e.data);
      for (const std::string& v : acked_) {
        if (!have.count(v)) return "node " + std::to_string(id) + " lacks " + v;
      }
    }
    return "";
  }

  // A leader whose whole log is committed and applied by every member.
  bool Converged() {
    int l = CurrentLeader();
    if (l == 0) return false;
    const Node& leader = *At(l).node;
    if (leader.commit_index() != leader.log().last_index()) return false;
    for (NodeId id : leader.voters()) {
      const SimNode& s = At(static_cast<int>(id));
      if (!s.node || s.pending || s.applied.size() != leader.commit_index())
        return false;
    }
    return true;
  }

  int n_;
  uint64_t seed_;
  Rng rng_;
  double loss_;
  double dup_;
  int max_delay_;
  int heartbeat_ticks_;
  bool pre_vote_;
  bool check_quorum_;
  double member_ops_;
  int max_id_;
  int created_ = 0;
  Ids initial_;
  // The configuration after the committed entries 1..global_upto_.
  Ids global_voters_;
  uint64_t global_upto_ = 0;
  int changes_committed_ = 0;
  int now_ = 0;
  int next_value_ = 0;
  std::vector<SimNode> nodes_;
  std::vector<int> side_;
  std::vector<InFlight> net_;
  std::string err_;
  std::map<uint64_t, Entry> committed_;
  std::map<uint64_t, std::vector<Entry>> snapshots_;
  std::map<uint64_t, Ids> snap_voters_;
  struct Op {
    uint64_t index;
    uint64_t term;
    int target;
    bool add;
    bool resolved = false;
  };
  std::vector<Op> ops_;  // in proposal order
  std::map<uint64_t, int> leaders_;
  std::set<std::string> acked_;
  int snapshots_installed_ = 0;
  int crashes_ = 0;
};

uint64_t EnvOr(const char* name, uint64_t def) {
  const char* v = std::getenv(name);
  return v ? std::strtoull(v, nullptr, 10) : def;
}

void RunSeeds(int n) {
  std::signal(SIGABRT, OnAbort);
  const int kRounds = 3000;
  std::vector<uint64_t> seeds;
  if (std::getenv("VK_RAFT_SEED")) {
    seeds.push_back(EnvOr("VK_RAFT_SEED", 0));
  } else {
    uint64_t count = EnvOr("VK_RAFT_SEEDS", 200);
    for (uint64_t s = 1; s <= count; ++s) seeds.push_back(s);
  }
  int committed = 0;
  int installs = 0;
  int crashes = 0;
  int terms = 0;
  int changes = 0;
  for (uint64_t seed : seeds) {
    g_current_seed = seed;
    g_current_n = n;
    Sim sim(n, seed);
    std::string err = sim.Run(kRounds);
    ASSERT_EQ(err, "") << "n=" << n << " VK_RAFT_SEED=" << seed;
    committed += sim.proposals_committed();
    installs += sim.snapshots_installed();
    crashes += sim.crashes();
    terms += sim.terms_with_leader();
    changes += sim.changes_committed();
  }
  // The runs must exercise what they claim to (and make progress, not
  // merely stay safe); these bounds hold for any single seed's run too.
  int count = static_cast<int>(seeds.size());
  EXPECT_GT(committed, count * 20) << "proposals committed";
  EXPECT_GT(terms, count) << "terms with a leader";
  if (count >= 20) {
    EXPECT_GT(installs, 0) << "InstallSnapshot never happened";
    EXPECT_GT(crashes, count) << "crashes";
    EXPECT_GT(changes, count) << "membership changes committed";
  }
  std::printf(
      "n=%d seeds=%d committed=%d leader-terms=%d crashes=%d "
      "snapshot-installs=%d membership-changes=%d\n",
      n, count, committed, terms, crashes, installs, changes);
}

TEST(RaftSim, ThreeNodes) { RunSeeds(3); }
TEST(RaftSim, FiveNodes) { RunSeeds(5); }

}  // namespace
}  // namespace vk::raft
