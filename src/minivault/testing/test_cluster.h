// Test helpers for the raft core: a host with instant, reliable
// persistence (Drain) and a cluster over a perfect network (Cluster).
#ifndef MINIVAULT_TESTING_TEST_CLUSTER_H_
#define MINIVAULT_TESTING_TEST_CLUSTER_H_

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "minivault/raft/raft.h"

namespace vk::raft::testutil {

inline Config Cfg(NodeId id, std::vector<NodeId> voters, uint64_t seed = 1) {
  Config c;
  c.id = id;
  c.voters = std::move(voters);
  c.seed = seed;
  return c;
}

inline Entry E(uint64_t index, uint64_t term, std::string data = "") {
  return Entry{index, term, Entry::Type::kNormal, std::move(data)};
}

// Drains one node's Ready as a host with instant, reliable persistence.
struct Drained {
  std::vector<Message> messages;
  std::vector<Entry> applied;
  std::optional<SnapshotMeta> snapshot;
};
inline Drained Drain(Node& n) {
  Drained d;
  while (n.HasReady()) {
    Ready rd = n.GetReady();
    for (auto& m : rd.messages) d.messages.push_back(m);
    for (auto& e : rd.committed_entries) d.applied.push_back(e);
    if (rd.snapshot_to_install) d.snapshot = rd.snapshot_to_install;
    n.Advance(rd);
  }
  return d;
}

// A perfect network: every message is delivered, unless cut.
struct Cluster {
  std::map<NodeId, Node> nodes;
  std::map<NodeId, std::vector<Entry>> applied;
  std::map<NodeId, SnapshotMeta> installed;
  std::set<NodeId> isolated;
  std::deque<Message> net;

  explicit Cluster(int n) {
    std::vector<NodeId> ids;
    for (int i = 1; i <= n; ++i) ids.push_back(static_cast<NodeId>(i));
    for (NodeId id : ids) nodes.emplace(id, Node::Start(Cfg(id, ids), {}, {}));
  }
  void Pump() {
    for (int guard = 0; guard < 10000; ++guard) {
      for (auto& [id, n] : nodes) {
        Drained d = Drain(n);
        for (auto& e : d.applied) applied[id].push_back(e);
        for (auto& m : d.messages) net.push_back(m);
        if (d.snapshot) installed[id] = *d.snapshot;
      }
      if (net.empty()) return;
      Message m = net.front();
      net.pop_front();
      if (isolated.count(m.from) || isolated.count(m.to)) continue;
      if (!nodes.count(m.to)) continue;  // not started (yet)
      nodes.at(m.to).Step(m);
    }
    FAIL() << "network never went quiet";
  }
  void TickAll(int ticks) {
    for (int t = 0; t < ticks; ++t) {
      for (auto& [id, n] : nodes) n.Tick();
      Pump();
    }
  }
  // Starts a node that waits to be added (empty voter set).
  void AddBlank(NodeId id) {
    nodes.emplace(id, Node::Start(Cfg(id, {}), {}, {}));
  }
  NodeId ElectLeader() {
    TickAll(25);
    std::vector<NodeId> l = Leaders();
    return l.size() == 1 ? l[0] : 0;
  }
  std::vector<NodeId> Leaders() {
    std::vector<NodeId> out;
    for (auto& [id, n] : nodes) {
      if (n.is_leader()) out.push_back(id);
    }
    return out;
  }
};

}  // namespace vk::raft::testutil

#endif  // MINIVAULT_TESTING_TEST_CLUSTER_H_
