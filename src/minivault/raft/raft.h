// A raft node as a pure, deterministic state machine: no I/O, threads,
// clocks or global randomness. The host drives it with Tick (logical time),
// Step (an incoming message) and Propose, and collects its output with
// GetReady / Advance (see Ready in types.h for the contract).
//
// Implemented: leader election with randomized timeouts, pre-vote,
// check-quorum (leader lease), log replication with conflict backtracking,
// the current-term commit rule, log compaction and InstallSnapshot
// metadata, single-server membership changes (one at a time, effective on
// apply). Not implemented: joint consensus, learners, leadership transfer,
// read-index. See docs/raft.md.
#ifndef MINIVAULT_RAFT_RAFT_H_
#define MINIVAULT_RAFT_RAFT_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kit/base/status.h"
#include "minivault/raft/log.h"
#include "minivault/raft/types.h"

namespace vk::raft {

enum class Role { kFollower, kPreCandidate, kCandidate, kLeader };

class Node {
 public:
  // Starts (or restarts) from what the host persisted: the hard state, the
  // log entries after `base`, the snapshot base (with the voters as of
  // base.index), and `applied`, the index the host's state machine has
  // applied (base.index <= applied <= last log index; 0 means base.index).
  // `config.voters` must be the configuration as of `applied`; when
  // applied == base.index it and base.voters name the same one (an empty
  // config.voters then takes base.voters, see Ready::base_voters). Committed
  // entries after `applied` are handed out again (the host's apply must be
  // idempotent by index, as fsm::Store::Apply is). An `applied` above
  // hs.commit raises the commit index to it: it was applied, so committed.
  static Node Start(const Config& config, HardState hs, std::vector<Entry> log,
                    SnapshotBase base = {}, uint64_t applied = 0);

  // Advances logical time by one tick.
  void Tick();
  // Handles a message addressed to this node. Messages from other terms,
  // duplicates and reordered ones are all tolerated.
  void Step(const Message& m);
  // Appends `data` as a new entry. FailedPrecondition "not leader" unless
  // this node is the leader. Success means only "appended locally".
  Status Propose(std::string data);
  // Appends a membership change (leader only). FailedPrecondition "not
  // leader"; FailedPrecondition "a configuration change is already in
  // progress" while an earlier one in the log is not yet applied here;
  // InvalidArgument for node 0; FailedPrecondition when removing the last
  // voter. The change takes effect on each node when it applies the entry.
  Status ProposeConfChange(const ConfChange& cc);

  bool HasReady() const;
  Ready GetReady();
  // The host has done everything `ready` asked (see Ready).
  void Advance(const Ready& ready);

  // The host took a snapshot of its state machine through `index` (<= the
  // applied index; `term` is that entry's term). Entries up to it are
  // dropped; followers that need them get a kSnapshot message instead,
  // which carries the voters as of `index` (see VotersAt).
  void Compact(uint64_t index, uint64_t term);

  NodeId id() const { return cfg_.id; }
  NodeId leader() const { return lead_; }
  uint64_t term() const { return term_; }
  Role role() const { return role_; }
  bool is_leader() const { return role_ == Role::kLeader; }
  uint64_t commit_index() const { return commit_; }
  uint64_t applied_index() const { return applied_; }
  const Log& log() const { return log_; }
  // The current configuration (as of the applied index), sorted.
  const std::vector<NodeId>& voters() const { return cfg_.voters; }
  bool IsVoter(NodeId id) const;
  // The configuration as of `index`, for base index <= index <= applied.
  std::vector<NodeId> VotersAt(uint64_t index) const;

 private:
  struct Progress {
    uint64_t match = 0;
    uint64_t next = 1;
    bool recent_active = false;
    // Ticks left before a kSnapshot may be sent again: the app moves the
    // snapshot's data out of band and should not restart that every tick.
    int snapshot_wait = 0;
  };

  Node(const Config& config, HardState hs, Log log, uint64_t applied);
  void AppendAndReplicate(Entry::Type type, std::string data);

  uint64_t NextRandom();
  void ResetRandomizedTimeout();
  int Quorum() const { return static_cast<int>(cfg_.voters.size()) / 2 + 1; }
  bool InLease() const;
  // May this node start an election? Only a voter, and only once every
  // committed configuration change is applied (so its voter set is at most
  // one change behind the newest in its log).
  bool Promotable() const;
  void ApplyConfChange(uint64_t index, const ConfChange& cc);
  void RebuildConfHistory();

  void BecomeFollower(uint64_t term, NodeId lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void Campaign(bool pre);
  // Records a (pre-)vote response and acts when the outcome is decided.
  void Poll(NodeId from, bool granted);

  void Send(Message m);
  void SendAppend(NodeId to);
  void BroadcastHeartbeat();
  void MaybeCommit();

  void HandleVoteRequest(const Message& m);
  void HandleAppend(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshot(const Message& m);
  void StepLeader(const Message& m);

  HardState CurrentHardState() const { return {term_, vote_, commit_}; }

  Config cfg_;
  Role role_ = Role::kFollower;
  uint64_t term_ = 0;
  NodeId vote_ = 0;
  NodeId lead_ = 0;
  Log log_;
  uint64_t commit_ = 0;
  uint64_t applied_ = 0;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_timeout_ = 0;
  uint64_t rng_;
  std::map<NodeId, Progress> progress_;  // leader only, excludes self
  std::map<NodeId, bool> votes_;         // (pre-)candidate only
  std::vector<Message> msgs_;
  HardState persisted_hs_;
  std::optional<SnapshotMeta> pending_snapshot_;
  std::optional<std::vector<NodeId>> pending_base_voters_;
  // Leader only: index of the last kConfChange entry in the log (0: none).
  uint64_t pending_conf_index_ = 0;
  // Configurations after each applied change above the log's base, in
  // index order; the base's own is log_.base().voters.
  std::vector<std::pair<uint64_t, std::vector<NodeId>>> conf_history_;
};

}  // namespace vk::raft

#endif  // MINIVAULT_RAFT_RAFT_H_
