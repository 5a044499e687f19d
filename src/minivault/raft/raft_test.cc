#include "minivault/raft/raft.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "minivault/raft/log.h"
#include "minivault/testing/test_cluster.h"

namespace vk::raft {
namespace {

using testutil::Cfg;
using testutil::Cluster;
using testutil::Drain;
using testutil::Drained;
using testutil::E;

TEST(RaftLog, MergeTruncatesConflictingSuffixOnly) {
  Log log({}, {E(1, 1), E(2, 1), E(3, 2)});
  EXPECT_EQ(log.Merge({E(2, 1), E(3, 3), E(4, 3)}), 3u);
  EXPECT_EQ(log.last_index(), 4u);
  EXPECT_EQ(*log.Term(3), 3u);
  EXPECT_EQ(log.stable_index(), 2u);  // 3 must be persisted again
  ASSERT_EQ(log.Unstable().size(), 2u);
  EXPECT_EQ(log.Merge({E(3, 3)}), 0u);  // already there: no truncation
  EXPECT_EQ(log.last_index(), 4u);
}

TEST(RaftLog, CompactionKeepsBaseTerm) {
  Log log({}, {E(1, 1), E(2, 2), E(3, 2)});
  log.CompactTo(2);
  EXPECT_EQ(log.base(), (SnapshotMeta{2, 2}));
  EXPECT_EQ(*log.Term(2), 2u);
  EXPECT_FALSE(log.Term(1).has_value());
  EXPECT_EQ(log.first_index(), 3u);
  EXPECT_EQ(log.last_index(), 3u);
}

TEST(RaftLog, ConflictHintSkipsWholeTerms) {
  Log log({}, {E(1, 1), E(2, 3), E(3, 3), E(4, 3)});
  EXPECT_EQ(log.ConflictHint(4, 2), 1u);
  EXPECT_EQ(log.ConflictHint(9, 3), 4u);  // beyond our end
}

TEST(Raft, SingleNodeElectsItselfAndCommits) {
  Node n = Node::Start(Cfg(1, {1}), {}, {});
  EXPECT_EQ(n.Propose("x").code(), StatusCode::kFailedPrecondition);
  for (int t = 0; t < 20 && !n.is_leader(); ++t) n.Tick();
  ASSERT_TRUE(n.is_leader());
  EXPECT_EQ(n.term(), 1u);
  Ready rd = n.GetReady();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->vote, 1u);
  ASSERT_EQ(rd.entries_to_persist.size(), 1u);  // the no-op
  EXPECT_EQ(rd.entries_to_persist[0].data, "");
  EXPECT_TRUE(rd.committed_entries.empty());  // not durable yet
  n.Advance(rd);
  ASSERT_TRUE(n.Propose("a").ok());
  Drained d = Drain(n);
  ASSERT_EQ(d.applied.size(), 2u);
  EXPECT_EQ(d.applied[1], E(2, 1, "a"));
  EXPECT_EQ(n.commit_index(), 2u);
}

TEST(Raft, ElectionTimeoutIsRandomizedFromSeed) {
  std::set<int> seen;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Node n = Node::Start(Cfg(1, {1, 2, 3}, seed), {}, {});
    int ticks = 0;
    while (n.role() == Role::kFollower) {
      n.Tick();
      ++ticks;
    }
    EXPECT_GE(ticks, 10);
    EXPECT_LT(ticks, 20);
    seen.insert(ticks);
    // Same seed, same timeout.
    Node again = Node::Start(Cfg(1, {1, 2, 3}, seed), {}, {});
    int ticks2 = 0;
    while (again.role() == Role::kFollower) {
      again.Tick();
      ++ticks2;
    }
    EXPECT_EQ(ticks, ticks2);
  }
  EXPECT_GE(seen.size(), 5u);
}

TEST(Raft, ThreeNodesElectOneLeaderAndReplicate) {
  Cluster c(3);
  c.TickAll(25);
  ASSERT_EQ(c.Leaders().size(), 1u);
  NodeId l = c.Leaders()[0];
  for (auto& [id, n] : c.nodes) {
    EXPECT_EQ(n.leader(), l);
    if (id != l) {
      EXPECT_EQ(n.Propose("no").message(), "not leader");
    }
  }
  ASSERT_TRUE(c.nodes.at(l).Propose("hello").ok());
  c.Pump();
  c.TickAll(2);  // heartbeats carry the commit index to followers
  for (auto& [id, n] : c.nodes) {
    ASSERT_EQ(c.applied[id].size(), 2u) << id;
    EXPECT_EQ(c.applied[id][1].data, "hello");
    EXPECT_EQ(n.commit_index(), 2u);
  }
}

TEST(Raft, VoteDeniedToCandidateWithStaleLog) {
  Node n = Node::Start(Cfg(1, {1, 2, 3}), {2, 0, 0}, {E(1, 1), E(2, 2)});
  Message m;
  m.type = MessageType::kVote;
  m.from = 2;
  m.to = 1;
  m.term = 3;
  m.index = 5;
  m.log_term = 1;  // longer log but older last term
  n.Step(m);
  EXPECT_EQ(n.term(), 3u);
  Ready rd = n.GetReady();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].type, MessageType::kVoteResponse);
  EXPECT_TRUE(rd.messages[0].reject);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->vote, 0u);
  n.Advance(rd);
  m.from = 3;
  m.log_term = 2;
  m.index = 2;  // equally up to date: granted
  n.Step(m);
  rd = n.GetReady();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_FALSE(rd.messages[0].reject);
  EXPECT_EQ(rd.hard_state->vote, 3u);
}

TEST(Raft, FollowerRejectsWithHintThenTruncates) {
  Node n = Node::Start(Cfg(1, {1, 2, 3}), {3, 0, 0},
                       {E(1, 1), E(2, 3), E(3, 3), E(4, 3)});
  Message m;
  m.type = MessageType::kAppend;
  m.from = 2;
  m.to = 1;
  m.term = 4;
  m.index = 4;
  m.log_term = 2;
  n.Step(m);
  Ready rd = n.GetReady();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_TRUE(rd.messages[0].reject);
  EXPECT_EQ(rd.messages[0].index, 4u);
  EXPECT_EQ(rd.messages[0].reject_hint, 1u);
  n.Advance(rd);
  m.index = 1;
  m.log_term = 1;
  m.entries = {E(2, 2, "b"), E(3, 2, "c")};
  m.commit = 3;
  n.Step(m);
  rd = n.GetReady();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_FALSE(rd.messages[0].reject);
  EXPECT_EQ(rd.messages[0].index, 3u);
  EXPECT_EQ(rd.entries_to_persist,
            (std::vector<Entry>{E(2, 2, "b"), E(3, 2, "c")}));
  EXPECT_EQ(n.log().last_index(), 3u);
  ASSERT_EQ(rd.committed_entries.size(), 3u);
  EXPECT_EQ(rd.committed_entries[2].data, "c");
}

// Figure 8: a new leader must not commit an older term's entry just because
// a majority holds it; it commits once an entry of its own term is there.
TEST(Raft, CommitsOnlyCurrentTermEntriesByCounting) {
  Config cfg = Cfg(1, {1, 2, 3});
  cfg.pre_vote = false;
  Node n = Node::Start(cfg, {2, 0, 0}, {E(1, 1), E(2, 2)});
  while (n.role() != Role::kCandidate) n.Tick();
  Drain(n);
  Message v;
  v.type = MessageType::kVoteResponse;
  v.from = 2;
  v.to = 1;
  v.term = 3;
  n.Step(v);
  ASSERT_TRUE(n.is_leader());
  ASSERT_EQ(n.term(), 3u);
  Drain(n);  // persists the no-op at index 3
  Message ack;
  ack.type = MessageType::kAppendResponse;
  ack.from = 2;
  ack.to = 1;
  ack.term = 3;
  ack.index = 2;  // follower holds the term-2 entry
  n.Step(ack);
  Drain(n);
  EXPECT_EQ(n.commit_index(), 0u);
  ack.index = 3;
  n.Step(ack);
  Drained d = Drain(n);
  EXPECT_EQ(n.commit_index(), 3u);
  EXPECT_EQ(d.applied.size(), 3u);
}

TEST(Raft, PreVoteKeepsIsolatedNodeTermStable) {
  Cluster c(3);
  c.TickAll(25);
  ASSERT_EQ(c.Leaders().size(), 1u);
  NodeId l = c.Leaders()[0];
  NodeId f = l == 1 ? 2 : 1;
  uint64_t term = c.nodes.at(l).term();
  c.isolated.insert(f);
  c.TickAll(100);  // f campaigns over and over, only with pre-votes
  EXPECT_EQ(c.nodes.at(f).term(), term);
  c.isolated.clear();
  c.TickAll(5);
  EXPECT_EQ(c.Leaders(), std::vector<NodeId>{l});  // no disruption
  EXPECT_EQ(c.nodes.at(l).term(), term);
}

TEST(Raft, CheckQuorumMakesCutOffLeaderStepDown) {
  Cluster c(3);
  c.TickAll(25);
  ASSERT_EQ(c.Leaders().size(), 1u);
  NodeId l = c.Leaders()[0];
  c.isolated.insert(l);
  c.TickAll(25);
  EXPECT_FALSE(c.nodes.at(l).is_leader());
  std::vector<NodeId> leaders = c.Leaders();
  ASSERT_EQ(leaders.size(), 1u);
  EXPECT_NE(leaders[0], l);
}

TEST(Raft, LeaseIgnoresDisruptiveVote) {
  Cluster c(3);
  c.TickAll(25);
  NodeId l = c.Leaders()[0];
  NodeId f = l == 1 ? 2 : 1;
  Node& fn = c.nodes.at(f);
  uint64_t term = fn.term();
  Message m;
  m.type = MessageType::kVote;
  m.from = 3 == l ? (f == 1 ? 2 : 1) : 3;
  m.to = f;
  m.term = term + 5;
  m.index = 100;
  m.log_term = term + 4;
  fn.Step(m);
  EXPECT_EQ(fn.term(), term);
  EXPECT_FALSE(fn.HasReady());
}

TEST(Raft, CompactedLeaderSendsSnapshot) {
  Cluster c(3);
  c.TickAll(25);
  NodeId l = c.Leaders()[0];
  NodeId lag = l == 3 ? 2 : 3;
  c.isolated.insert(lag);
  Node& ln = c.nodes.at(l);
  for (int i = 0; i < 5; ++i) {
    std::string v = std::to_string(i);
    v.insert(0, 1, 'p');
    ASSERT_TRUE(ln.Propose(v).ok());
  }
  c.Pump();
  ASSERT_EQ(ln.applied_index(), 6u);
  ln.Compact(6, ln.term());
  EXPECT_EQ(ln.log().base().index, 6u);
  ASSERT_TRUE(ln.Propose("after").ok());
  c.Pump();
  // The snapshot sent during Propose was lost (lag is cut off): the leader
  // heartbeats lag and retries the transfer only after election_ticks.
  std::optional<Message> snap;
  int heartbeats = 0;
  for (int t = 0; t < 12 && !snap; ++t) {
    ln.Tick();
    for (auto& m : Drain(ln).messages) {
      if (m.to != lag) {
        c.net.push_back(m);
      } else if (m.type == MessageType::kSnapshot) {
        snap = m;
      } else {
        EXPECT_EQ(m.type, MessageType::kHeartbeat);
        ++heartbeats;
      }
    }
    c.Pump();
  }
  ASSERT_TRUE(snap.has_value());
  EXPECT_GE(heartbeats, 8);
  EXPECT_EQ(snap->snapshot, (SnapshotMeta{6, ln.term(), {1, 2, 3}}));
  c.isolated.clear();
  Node& fn = c.nodes.at(lag);
  fn.Step(*snap);
  Drained fd = Drain(fn);
  ASSERT_TRUE(fd.snapshot.has_value());
  EXPECT_EQ(fd.snapshot->index, 6u);
  EXPECT_TRUE(fd.applied.empty());
  EXPECT_EQ(fn.log().base().index, 6u);
  ASSERT_EQ(fd.messages.size(), 1u);
  EXPECT_EQ(fd.messages[0].type, MessageType::kAppendResponse);
  EXPECT_EQ(fd.messages[0].index, 6u);
  c.applied[lag].clear();
  c.net.push_back(fd.messages[0]);
  c.Pump();
  c.TickAll(2);
  ASSERT_EQ(c.applied[lag].size(), 1u);
  EXPECT_EQ(c.applied[lag][0], E(7, ln.term(), "after"));
}

TEST(Raft, RestartRedeliversCommittedEntries) {
  Node n = Node::Start(Cfg(1, {1, 2, 3}), {4, 2, 3},
                       {E(3, 1, "c"), E(4, 4, "d")}, {2, 1});
  EXPECT_EQ(n.term(), 4u);
  EXPECT_EQ(n.commit_index(), 3u);
  Ready rd = n.GetReady();
  EXPECT_FALSE(rd.hard_state.has_value());
  EXPECT_TRUE(rd.entries_to_persist.empty());
  EXPECT_EQ(rd.committed_entries, (std::vector<Entry>{E(3, 1, "c")}));
}

}  // namespace
}  // namespace vk::raft
