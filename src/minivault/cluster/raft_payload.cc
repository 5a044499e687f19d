#include "minivault/cluster/raft_payload.h"

#include <nlohmann/json.hpp>

#include "kit/crypto/sha256.h"
#include "minivault/logical/json_limits.h"

namespace vk::minivault {

std::string EncodeCommandPayload(const fsm::Command& command) {
  std::string out(1, static_cast<char>(PayloadKind::kCommand));
  out += fsm::EncodeCommand(command);
  return out;
}

std::string EncodeRestorePayload(const RestoreMarker& marker) {
  std::string out(1, static_cast<char>(PayloadKind::kRestore));
  out +=
      nlohmann::json{{"id", marker.id}, {"proposer", marker.proposer}}.dump();
  return out;
}

Result<Payload> DecodePayload(std::string_view data) {
  Payload p;
  if (data.empty()) return p;
  auto kind = static_cast<PayloadKind>(static_cast<uint8_t>(data[0]));
  std::string_view body = data.substr(1);
  if (kind == PayloadKind::kCommand) {
    VK_ASSIGN_OR_RETURN(p.command, fsm::DecodeCommand(body));
    p.kind = kind;
    return p;
  }
  if (kind == PayloadKind::kRestore) {
    auto j = logical::ParseJsonOrDiscarded(body, logical::kRequestJsonLimits);
    if (!j.is_object() || !j["id"].is_string() || !j["proposer"].is_string())
      return Corruption("malformed restore marker in the raft log");
    p.kind = kind;
    p.restore = {j["id"].get<std::string>(), j["proposer"].get<std::string>()};
    return p;
  }
  return Corruption("unknown raft entry kind " +
                    std::to_string(static_cast<uint8_t>(data[0])));
}

std::string EncodeServerContext(const ServerContext& s) {
  return nlohmann::json{{"node_id", s.node_id}, {"address", s.cluster_addr}}
      .dump();
}

Result<ServerContext> DecodeServerContext(std::string_view data) {
  auto j = logical::ParseJsonOrDiscarded(data, logical::kRequestJsonLimits);
  if (!j.is_object() || !j["node_id"].is_string() || !j["address"].is_string())
    return Corruption("malformed server in a raft configuration change");
  return ServerContext{j["node_id"].get<std::string>(),
                       j["address"].get<std::string>()};
}

raft::NodeId RaftIdFor(std::string_view node_id) {
  Sha256Digest d = Sha256::Of(ByteSpan(
      reinterpret_cast<const uint8_t*>(node_id.data()), node_id.size()));
  raft::NodeId id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | d[i];
  return id == 0 ? 1 : id;
}

}  // namespace vk::minivault
