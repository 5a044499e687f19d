// What minivault puts in raft log entries and configuration changes.
//
// A kNormal entry's data is one byte of kind followed by its body:
//   kCommand: an fsm::Command (minivault/fsm/command.h), applied on every node;
//   kRestore: a RestoreMarker, "the state after this entry is the snapshot
//             the proposer staged"; the proposer swaps its staged file in,
//             every other node copies the state from the leader.
// The leader's no-op (empty data) only moves the applied index.
// A configuration change's context is a ServerContext (JSON).
#ifndef MINIVAULT_CLUSTER_RAFT_PAYLOAD_H_
#define MINIVAULT_CLUSTER_RAFT_PAYLOAD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "kit/base/result.h"
#include "minivault/fsm/command.h"
#include "minivault/raft/types.h"

namespace vk::minivault {

enum class PayloadKind : uint8_t { kNoop = 0, kCommand = 1, kRestore = 2 };

struct RestoreMarker {
  std::string id;        // random, names the proposer's staged file
  std::string proposer;  // node id of the node that staged it
};

struct Payload {
  PayloadKind kind = PayloadKind::kNoop;
  fsm::Command command;
  RestoreMarker restore;
};

std::string EncodeCommandPayload(const fsm::Command& command);
std::string EncodeRestorePayload(const RestoreMarker& marker);
// Empty data is kNoop; anything malformed is kCorruption.
Result<Payload> DecodePayload(std::string_view data);

// A server in a configuration change: Vault's node id and cluster address.
struct ServerContext {
  std::string node_id;
  std::string cluster_addr;
};
std::string EncodeServerContext(const ServerContext& s);
Result<ServerContext> DecodeServerContext(std::string_view data);

// Raft's numeric id for a Vault node id (a string): the first 8 bytes of
// its SHA-256, never 0. Stable across restarts and on every node, so no
// table of ids has to be replicated.
raft::NodeId RaftIdFor(std::string_view node_id);

}  // namespace vk::minivault

#endif  // MINIVAULT_CLUSTER_RAFT_PAYLOAD_H_
