// Deterministic simulation of a raft cluster: a lossy, reordering,
// duplicating, partitionable network, crashes that lose everything not
// fsynced, and clients proposing values. Safety is checked after every
// round, liveness once the network heals.
//
// VK_RAFT_SEEDS=N runs N seeds per cluster size; VK_RAFT_SEED=S replays one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "raft/raft.h"

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

struct SimNode {
  std::optional<Node> node;      // nullopt while crashed
  std::optional<Ready> pending;  // handed out, not yet fsynced
  int down_until = 0;
  // What survives a crash.
  HardState hs;
  SnapshotMeta base;
  std::vector<Entry> disk_log;  // entries after base
  // The application's state machine: every applied entry from index 1.
  std::vector<Entry> applied;
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
    nodes_.resize(static_cast<size_t>(n) + 1);
    side_.assign(static_cast<size_t>(n) + 1, 0);
    for (int i = 1; i <= n; ++i) Restart(i);
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

 private:
  Config MakeConfig(int id) const {
    Config c;
    c.id = static_cast<NodeId>(id);
    for (int i = 1; i <= n_; ++i) c.voters.push_back(static_cast<NodeId>(i));
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

  void Restart(int i) {
    SimNode& s = nodes_[static_cast<size_t>(i)];
    s.node.emplace(Node::Start(MakeConfig(i), s.hs, s.disk_log, s.base));
    s.pending.reset();
    s.applied.clear();
    if (s.base.index > 0) s.applied = snapshots_.at(s.base.index);
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
    for (int i = 1; i <= n_; ++i) {
      SimNode& s = nodes_[static_cast<size_t>(i)];
      if (!s.node && now_ >= s.down_until)
        Restart(i);
      else if (s.node && rng_.Chance(0.004))
        Crash(i);
    }
    if (rng_.Chance(0.01)) {
      bool heal = rng_.Chance(0.5);
      for (int i = 1; i <= n_; ++i) {
        side_[static_cast<size_t>(i)] =
            heal ? 0 : static_cast<int>(rng_.Below(2));
      }
    }
    if (rng_.Chance(0.3)) {
      int i = 1 + static_cast<int>(rng_.Below(static_cast<uint64_t>(n_)));
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
    for (int i = 1; i <= n_; ++i) {
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
      s.base = meta;
      s.disk_log.clear();
      s.applied = it->second;
      ++snapshots_installed_;
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
    // Compact now and then, so lagging nodes need snapshots.
    uint64_t applied = s.node->applied_index();
    if (applied >= s.base.index + 6 && rng_.Chance(0.3)) {
      const Entry& last = s.applied[applied - 1];
      s.node->Compact(applied, last.term);
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
      s.base = {applied, last.term};
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
    if (!e.data.empty()) acked_.insert(e.data);
  }

  void CheckLeaders() {
    for (int i = 1; i <= n_; ++i) {
      const SimNode& s = nodes_[static_cast<size_t>(i)];
      if (!s.node || !s.node->is_leader()) continue;
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
    for (int i = 1; i <= n_; ++i) {
      SimNode& s = nodes_[static_cast<size_t>(i)];
      if (!s.node) Restart(i);
      if (s.pending) Complete(i);
    }
    const int kMaxRounds = 400;
    int start = now_;
    for (; now_ < start + kMaxRounds && err_.empty(); ++now_) {
      Round(1.0);
      CheckLeaders();
      if (Converged()) break;
    }
    if (!err_.empty()) return err_;
    if (!Converged()) {
      std::string state = "no convergence within " +
                          std::to_string(kMaxRounds) + " ticks after healing:";
      for (int i = 1; i <= n_; ++i) {
        const SimNode& s = nodes_[static_cast<size_t>(i)];
        const Node& nd = *s.node;
        state += " [node " + std::to_string(i) + " role " +
                 std::to_string(static_cast<int>(nd.role())) + " term " +
                 std::to_string(nd.term()) + " lead " +
                 std::to_string(nd.leader()) + " commit " +
                 std::to_string(nd.commit_index()) + " last " +
                 std::to_string(nd.log().last_index()) + "/" +
                 std::to_string(nd.log().last_term()) + " base " +
                 std::to_string(nd.log().base().index) + " applied " +
                 std::to_string(s.applied.size()) + "]";
      }
      return state;
    }
    for (int i = 1; i <= n_; ++i) {
      const SimNode& s = nodes_[static_cast<size_t>(i)];
      if (s.applied != nodes_[1].applied) return "applied sequences differ";
      std::set<std::string> have;
      for (const Entry& e : s.applied) have.insert(e.data);
      for (const std::string& v : acked_) {
        if (!have.count(v)) return "node " + std::to_string(i) + " lacks " + v;
      }
    }
    return "";
  }

  bool Converged() const {
    const Node* leader = nullptr;
    for (int i = 1; i <= n_; ++i) {
      const SimNode& s = nodes_[static_cast<size_t>(i)];
      if (s.node->is_leader()) leader = &*s.node;
    }
    if (!leader || leader->commit_index() != leader->log().last_index())
      return false;
    for (int i = 1; i <= n_; ++i) {
      if (nodes_[static_cast<size_t>(i)].applied.size() !=
          leader->commit_index())
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
  int now_ = 0;
  int next_value_ = 0;
  std::vector<SimNode> nodes_;
  std::vector<int> side_;
  std::vector<InFlight> net_;
  std::string err_;
  std::map<uint64_t, Entry> committed_;
  std::map<uint64_t, std::vector<Entry>> snapshots_;
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
  }
  // The runs must exercise what they claim to (and make progress, not
  // merely stay safe); these bounds hold for any single seed's run too.
  int count = static_cast<int>(seeds.size());
  EXPECT_GT(committed, count * 20) << "proposals committed";
  EXPECT_GT(terms, count) << "terms with a leader";
  if (count >= 20) {
    EXPECT_GT(installs, 0) << "InstallSnapshot never happened";
    EXPECT_GT(crashes, count) << "crashes";
  }
  std::printf(
      "n=%d seeds=%d committed=%d leader-terms=%d crashes=%d "
      "snapshot-installs=%d\n",
      n, count, committed, terms, crashes, installs);
}

TEST(RaftSim, ThreeNodes) { RunSeeds(3); }
TEST(RaftSim, FiveNodes) { RunSeeds(5); }

}  // namespace
}  // namespace vk::raft
