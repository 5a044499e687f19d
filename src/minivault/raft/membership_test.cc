// Single-server membership changes: adding and removing voters, the
// one-change-at-a-time rule, nodes outside the voter set, snapshots that
// carry the configuration, and restarts from an applied index.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "minivault/raft/raft.h"
#include "minivault/raft/wire.h"
#include "minivault/testing/test_cluster.h"

namespace vk::raft {
namespace {

using testutil::Cfg;
using testutil::Cluster;
using testutil::Drain;
using testutil::Drained;
using testutil::E;

using Ids = std::vector<NodeId>;

ConfChange Add(NodeId n, std::string ctx = "") {
  return {ConfChange::Kind::kAddVoter, n, std::move(ctx)};
}
ConfChange Remove(NodeId n) { return {ConfChange::Kind::kRemoveNode, n, ""}; }

Entry CC(uint64_t index, uint64_t term, const ConfChange& cc) {
  return Entry{index, term, Entry::Type::kConfChange, EncodeConfChange(cc)};
}

// The two members of {1, 2, 3} other than `l`, in order.
Ids Others(NodeId l) {
  Ids o;
  for (NodeId id : {1, 2, 3}) {
    if (id != l) o.push_back(id);
  }
  return o;
}

TEST(RaftMembership, AddedVoterCatchesUpAndCountsTowardQuorum) {
  Cluster c(3);
  NodeId l = c.ElectLeader();
  ASSERT_NE(l, 0u);
  Node& ln = c.nodes.at(l);
  ASSERT_TRUE(ln.Propose("a").ok());
  c.Pump();
  c.AddBlank(4);
  ASSERT_TRUE(ln.ProposeConfChange(Add(4, "10.0.0.4:8201")).ok());
  c.Pump();
  c.TickAll(3);
  for (auto& [id, n] : c.nodes) EXPECT_EQ(n.voters(), (Ids{1, 2, 3, 4})) << id;
  EXPECT_EQ(c.applied[4], c.applied[l]);
  ASSERT_EQ(c.applied[4].size(), 3u);  // no-op, "a", the change
  EXPECT_EQ(c.applied[4][2].type, Entry::Type::kConfChange);
  auto cc = DecodeConfChange(c.applied[4][2].data);
  ASSERT_TRUE(cc.ok());
  EXPECT_EQ(cc->context, "10.0.0.4:8201");

  // Quorum is now 3 of 4: with one old follower cut off, node 4 is needed.
  Ids f = Others(l);
  c.isolated = {f[0], 4};
  ASSERT_TRUE(ln.Propose("b").ok());
  c.Pump();
  uint64_t b_index = ln.log().last_index();
  EXPECT_LT(ln.commit_index(), b_index);
  c.isolated = {f[0]};
  c.TickAll(2);
  EXPECT_EQ(ln.commit_index(), b_index);
  EXPECT_EQ(c.applied[4].back().data, "b");
}

TEST(RaftMembership, RemovedFollowerStopsCountingAndNeverCampaigns) {
  Cluster c(3);
  NodeId l = c.ElectLeader();
  ASSERT_NE(l, 0u);
  Node& ln = c.nodes.at(l);
  Ids o = Others(l);
  NodeId gone = o[0];
  NodeId stay = o[1];
  ASSERT_TRUE(ln.ProposeConfChange(Remove(gone)).ok());
  c.Pump();
  c.TickAll(1);  // a heartbeat tells `stay` the commit index
  Ids rest = {std::min(l, stay), std::max(l, stay)};
  EXPECT_EQ(ln.voters(), rest);
  EXPECT_EQ(c.nodes.at(stay).voters(), rest);
  // The leader's last heartbeat told `gone` about its removal.
  Node& gn = c.nodes.at(gone);
  EXPECT_EQ(gn.voters(), rest);
  uint64_t term = gn.term();

  c.isolated = {gone};
  c.TickAll(100);
  EXPECT_EQ(gn.role(), Role::kFollower);
  EXPECT_EQ(gn.term(), term);
  EXPECT_EQ(c.Leaders(), Ids{l});  // 2 of 2 keep the leader in office
  ASSERT_TRUE(ln.Propose("x").ok());
  c.Pump();
  c.TickAll(2);
  EXPECT_EQ(c.applied[stay].back().data, "x");

  c.isolated.clear();
  ASSERT_TRUE(ln.Propose("y").ok());
  c.TickAll(5);
  EXPECT_EQ(c.applied[stay].back().data, "y");
  EXPECT_NE(c.applied[gone].back().data, "y");  // nothing is sent to it
}

TEST(RaftMembership, RemovedLeaderStepsDownAndOthersElect) {
  Cluster c(3);
  NodeId l = c.ElectLeader();
  ASSERT_NE(l, 0u);
  Node& ln = c.nodes.at(l);
  Ids o = Others(l);
  ASSERT_TRUE(ln.ProposeConfChange(Remove(l)).ok());
  c.Pump();
  EXPECT_EQ(ln.role(), Role::kFollower);
  EXPECT_EQ(ln.leader(), 0u);
  EXPECT_EQ(ln.voters(), o);
  for (NodeId id : o) EXPECT_EQ(c.nodes.at(id).voters(), o) << id;
  c.TickAll(40);
  Ids leaders = c.Leaders();
  ASSERT_EQ(leaders.size(), 1u);
  EXPECT_NE(leaders[0], l);
  Node& nl = c.nodes.at(leaders[0]);
  EXPECT_GT(nl.term(), ln.term());  // the old leader never campaigned
  ASSERT_TRUE(nl.Propose("z").ok());
  c.Pump();
  c.TickAll(2);
  for (NodeId id : o) EXPECT_EQ(c.applied[id].back().data, "z") << id;
}

TEST(RaftMembership, SecondChangeWaitsUntilTheFirstIsApplied) {
  Cluster c(3);
  NodeId l = c.ElectLeader();
  ASSERT_NE(l, 0u);
  Node& ln = c.nodes.at(l);
  EXPECT_EQ(c.nodes.at(Others(l)[0]).ProposeConfChange(Add(4)).message(),
            "not leader");
  EXPECT_EQ(ln.ProposeConfChange(Add(0)).code(), StatusCode::kInvalidArgument);
  c.AddBlank(4);
  ASSERT_TRUE(ln.ProposeConfChange(Add(4)).ok());
  Status second = ln.ProposeConfChange(Add(5));
  EXPECT_EQ(second.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.message(), "a configuration change is already in progress");
  c.Pump();
  EXPECT_EQ(ln.voters(), (Ids{1, 2, 3, 4}));
  EXPECT_TRUE(ln.ProposeConfChange(Add(5)).ok());
}

TEST(RaftMembership, NewLeaderTreatsInheritedChangeAsPending) {
  Node n = Node::Start(Cfg(1, {1}), {1, 0, 0}, {E(1, 1), CC(2, 1, Remove(9))});
  for (int t = 0; t < 30 && !n.is_leader(); ++t) n.Tick();
  ASSERT_TRUE(n.is_leader());
  EXPECT_EQ(n.ProposeConfChange(Add(2)).message(),
            "a configuration change is already in progress");
  Drained d = Drain(n);  // the no-op commits the inherited change
  EXPECT_EQ(n.applied_index(), 3u);
  EXPECT_EQ(n.voters(), Ids{1});  // removing a non-member changes nothing
  EXPECT_TRUE(n.ProposeConfChange(Add(2)).ok());
  EXPECT_EQ(n.ProposeConfChange(Remove(1)).code(),
            StatusCode::kFailedPrecondition);
}

TEST(RaftMembership, LastVoterCannotBeRemoved) {
  Node n = Node::Start(Cfg(1, {1}), {}, {});
  for (int t = 0; t < 30 && !n.is_leader(); ++t) n.Tick();
  ASSERT_TRUE(n.is_leader());
  Drain(n);
  EXPECT_EQ(n.ProposeConfChange(Remove(1)).message(),
            "cannot remove the last voter");
}

TEST(RaftMembership, NodeWithoutVotersNeverCampaignsButFollows) {
  Node n = Node::Start(Cfg(4, {}), {}, {});
  for (int t = 0; t < 300; ++t) {
    n.Tick();
    ASSERT_FALSE(n.HasReady()) << t;
  }
  EXPECT_EQ(n.role(), Role::kFollower);
  EXPECT_EQ(n.term(), 0u);
  Message m;
  m.type = MessageType::kAppend;
  m.from = 1;
  m.to = 4;
  m.term = 3;
  m.entries = {E(1, 3, "x")};
  m.commit = 1;
  m.snapshot.voters = {3, 1, 2};  // the configuration the log starts from
  n.Step(m);
  Ready rd = n.GetReady();
  ASSERT_TRUE(rd.base_voters.has_value());
  EXPECT_EQ(*rd.base_voters, (Ids{1, 2, 3}));
  EXPECT_EQ(n.voters(), (Ids{1, 2, 3}));
  EXPECT_EQ(n.log().base().voters, (Ids{1, 2, 3}));
  // Restarted before applying anything: the stored base voters count.
  Node again = Node::Start(Cfg(4, {}), {3, 0, 0}, rd.entries_to_persist,
                           {0, 0, *rd.base_voters});
  EXPECT_EQ(again.voters(), (Ids{1, 2, 3}));
  n.Advance(rd);
  Drained d = Drain(n);
  d.applied.insert(d.applied.begin(), rd.committed_entries.begin(),
                   rd.committed_entries.end());
  d.messages.insert(d.messages.begin(), rd.messages.begin(), rd.messages.end());
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].type, MessageType::kAppendResponse);
  EXPECT_FALSE(d.messages[0].reject);
  EXPECT_EQ(d.messages[0].index, 1u);
  EXPECT_EQ(d.applied, (std::vector<Entry>{E(1, 3, "x")}));
  Message hb;
  hb.type = MessageType::kHeartbeat;
  hb.from = 1;
  hb.to = 4;
  hb.term = 3;
  n.Step(hb);
  d = Drain(n);
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].type, MessageType::kHeartbeatResponse);
  EXPECT_EQ(n.leader(), 1u);
}

// A node that knows a change is committed but has not applied it yet does
// not campaign: its voter set could be two changes behind the cluster's.
TEST(RaftMembership, CommittedUnappliedChangeDelaysCampaign) {
  Node n =
      Node::Start(Cfg(1, {1, 2, 3}), {1, 0, 2}, {E(1, 1), CC(2, 1, Add(4))});
  for (int t = 0; t < 40; ++t) n.Tick();
  EXPECT_EQ(n.role(), Role::kFollower);
  Drained d = Drain(n);
  EXPECT_EQ(d.applied.size(), 2u);
  EXPECT_EQ(n.voters(), (Ids{1, 2, 3, 4}));
  for (int t = 0; t < 20 && n.role() == Role::kFollower; ++t) n.Tick();
  EXPECT_EQ(n.role(), Role::kPreCandidate);
  Ids asked;
  for (const Message& m : Drain(n).messages) {
    EXPECT_EQ(m.type, MessageType::kPreVote);
    asked.push_back(m.to);
  }
  EXPECT_EQ(asked, (Ids{2, 3, 4}));
}

TEST(RaftMembership, NewNodeCatchesUpFromSnapshotWithVoters) {
  Cluster c(3);
  NodeId l = c.ElectLeader();
  ASSERT_NE(l, 0u);
  Node& ln = c.nodes.at(l);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(ln.Propose("p").ok());
  c.Pump();
  c.AddBlank(4);
  c.isolated = {4};
  ASSERT_TRUE(ln.ProposeConfChange(Add(4)).ok());
  c.Pump();
  uint64_t add_index = ln.applied_index();
  ASSERT_EQ(ln.voters(), (Ids{1, 2, 3, 4}));
  ASSERT_TRUE(ln.Propose("after").ok());  // 3 of 4 without node 4
  c.Pump();
  EXPECT_EQ(ln.VotersAt(add_index - 1), (Ids{1, 2, 3}));
  EXPECT_EQ(ln.VotersAt(add_index), (Ids{1, 2, 3, 4}));
  uint64_t snap = ln.applied_index();
  ASSERT_GT(snap, add_index);
  ln.Compact(snap, ln.term());
  EXPECT_EQ(ln.log().base().voters, (Ids{1, 2, 3, 4}));

  c.isolated.clear();
  c.TickAll(15);  // the first snapshot went nowhere: one retry
  ASSERT_TRUE(c.installed.count(4));
  EXPECT_EQ(c.installed[4], (SnapshotMeta{snap, ln.term(), {1, 2, 3, 4}}));
  Node& n4 = c.nodes.at(4);
  EXPECT_EQ(n4.voters(), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(n4.log().base().index, snap);
  ASSERT_TRUE(ln.Propose("later").ok());
  c.Pump();
  c.TickAll(2);
  ASSERT_FALSE(c.applied[4].empty());
  EXPECT_EQ(c.applied[4].back().data, "later");
}

TEST(RaftMembership, RestartFromAppliedIndex) {
  SnapshotMeta base{2, 1, {1, 2, 3}};
  std::vector<Entry> log = {E(3, 1, "c"), CC(4, 1, Add(4)), E(5, 2, "e"),
                            E(6, 2, "f")};
  Node n = Node::Start(Cfg(1, {4, 3, 2, 1}), {2, 0, 5}, log, base, 4);
  EXPECT_EQ(n.voters(), (Ids{1, 2, 3, 4}));
  EXPECT_EQ(n.applied_index(), 4u);
  EXPECT_EQ(n.commit_index(), 5u);
  Ready rd = n.GetReady();
  EXPECT_EQ(rd.committed_entries, (std::vector<Entry>{E(5, 2, "e")}));
  n.Advance(rd);
  EXPECT_EQ(n.VotersAt(3), (Ids{1, 2, 3}));
  EXPECT_EQ(n.VotersAt(4), (Ids{1, 2, 3, 4}));
  n.Compact(3, 1);
  EXPECT_EQ(n.log().base(), (SnapshotMeta{3, 1, {1, 2, 3}}));
  n.Compact(5, 2);
  EXPECT_EQ(n.log().base(), (SnapshotMeta{5, 2, {1, 2, 3, 4}}));

  // applied = 0 means the base: everything after it comes again, and the
  // configuration given is the one as of the base.
  Node m = Node::Start(Cfg(1, {1, 2, 3}), {2, 0, 5}, log, base);
  rd = m.GetReady();
  ASSERT_EQ(rd.committed_entries.size(), 3u);
  EXPECT_EQ(m.voters(), (Ids{1, 2, 3}));
  m.Advance(rd);
  EXPECT_EQ(m.voters(), (Ids{1, 2, 3, 4}));

  // A replayed change the configuration already includes is a no-op.
  Node r = Node::Start(Cfg(1, {1, 2, 3, 4}), {2, 0, 5}, log, {2, 1, {}}, 3);
  Drain(r);
  EXPECT_EQ(r.voters(), (Ids{1, 2, 3, 4}));

  // An applied index above the persisted commit is committed by definition.
  Node k = Node::Start(Cfg(1, {1, 2, 3, 4}), {2, 0, 3}, log, base, 4);
  EXPECT_EQ(k.commit_index(), 4u);
}

}  // namespace
}  // namespace vk::raft
