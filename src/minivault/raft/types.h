// Value types exchanged between the raft core (raft.h) and its host: log
// entries, the hard state the host must persist, messages the host must
// deliver, and the Ready batch that carries all three out of the core.
#ifndef MINIVAULT_RAFT_TYPES_H_
#define MINIVAULT_RAFT_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vk::raft {

using NodeId = uint64_t;  // 0 means "none"

struct Entry {
  enum class Type : uint8_t { kNormal, kConfChange };
  uint64_t index = 0;
  uint64_t term = 0;
  Type type = Type::kNormal;
  std::string data;  // empty for the leader's no-op entry
  bool operator==(const Entry&) const = default;
};

// What must be durable before any message of the same Ready is sent.
struct HardState {
  uint64_t term = 0;
  NodeId vote = 0;
  uint64_t commit = 0;
  bool operator==(const HardState&) const = default;
};

// A single-server membership change, carried (encoded with
// EncodeConfChange, wire.h) as the data of a kConfChange entry. It takes
// effect on every node when its entry is applied.
struct ConfChange {
  enum class Kind : uint8_t { kAddVoter, kRemoveNode };
  Kind kind = Kind::kAddVoter;
  NodeId node = 0;
  std::string context;  // opaque to the core (e.g. the node's address)
  bool operator==(const ConfChange&) const = default;
};

// The last log position covered by an application snapshot, and the voter
// set as of that position. The snapshot's data travels out of band; raft
// only tracks where the log starts after it.
struct SnapshotMeta {
  uint64_t index = 0;
  uint64_t term = 0;
  std::vector<NodeId> voters;  // sorted
  bool operator==(const SnapshotMeta&) const = default;
};
using SnapshotBase = SnapshotMeta;

enum class MessageType {
  kPreVote,
  kPreVoteResponse,
  kVote,
  kVoteResponse,
  kAppend,
  kAppendResponse,
  kHeartbeat,
  kHeartbeatResponse,
  kSnapshot,  // InstallSnapshot: `snapshot` holds the metadata
};

const char* MessageTypeName(MessageType t);

struct Message {
  MessageType type = MessageType::kHeartbeat;
  NodeId from = 0;
  NodeId to = 0;
  // Sender's term; for kPreVote (and a granted kPreVoteResponse) the term
  // the sender would campaign at, which it has not adopted.
  uint64_t term = 0;
  // kAppend: the entry preceding `entries`. kVote/kPreVote: the candidate's
  // last entry. kAppendResponse: the index accepted (or rejected).
  uint64_t log_term = 0;
  uint64_t index = 0;
  std::vector<Entry> entries;
  uint64_t commit = 0;  // kAppend/kHeartbeat: the leader's commit index
  bool reject = false;
  // kAppendResponse with reject: the follower's guess of the last index
  // that may match, so the leader can skip back over a whole term.
  uint64_t reject_hint = 0;
  // kSnapshot: the snapshot's metadata. kAppend with index 0: only
  // `voters`, the configuration the log starts from (see docs/raft.md).
  SnapshotMeta snapshot;
};

// One batch of work for the host. Process in this order:
//  1. install `snapshot_to_install` (fetch its data out of band; the log on
//     disk now starts after it), store `base_voters`, persist `hard_state`
//     (if set) and append `entries_to_persist` (an entry with an index
//     already on disk replaces it and everything after it), and fsync;
//  2. send `messages` (only after step 1 is durable);
//  3. apply `committed_entries` in order;
//  4. call Node::Advance(ready).
// No other Node call may happen between GetReady and Advance.
struct Ready {
  std::optional<HardState> hard_state;
  std::vector<Entry> entries_to_persist;
  std::vector<Message> messages;
  std::vector<Entry> committed_entries;
  std::optional<SnapshotMeta> snapshot_to_install;
  // A node started with an empty voter set and an empty log learned the
  // configuration the log starts from (index 0) from the leader: store it
  // as the voters of the log's base (index 0) in step 1, before the
  // entries, and pass it back as SnapshotBase::voters on restart.
  std::optional<std::vector<NodeId>> base_voters;

  bool empty() const {
    return !hard_state && entries_to_persist.empty() && messages.empty() &&
           committed_entries.empty() && !snapshot_to_install && !base_voters;
  }
};

struct Config {
  NodeId id = 0;
  // The voter set as of the applied index the node starts from. May lack
  // `id` (a node waiting to be added, or one that was removed): such a node
  // never campaigns but follows a leader that contacts it.
  std::vector<NodeId> voters;
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  uint64_t seed = 0;  // the only source of randomness (election timeouts)
  // Upper bound on entries in one kAppend.
  size_t max_entries_per_message = 64;
};

}  // namespace vk::raft

#endif  // MINIVAULT_RAFT_TYPES_H_
