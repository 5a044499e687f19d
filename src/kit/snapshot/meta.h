// meta.json: hashicorp/raft's SnapshotMeta as Vault writes it (reference
// §2.4). Parsing follows Go's json.Unmarshal (unknown keys ignored, key
// names matched case-insensitively); encoding reproduces Go's encoder byte
// for byte (field order, compact form, HTML escaping, trailing newline).
#ifndef KIT_SNAPSHOT_META_H_
#define KIT_SNAPSHOT_META_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kit/base/result.h"

namespace vk::snapshot {

struct RaftServer {
  int suffrage = 0;  // 0 voter, 1 nonvoter, 2 staging
  std::string id;
  std::string address;
  bool operator==(const RaftServer&) const = default;
};

std::string SuffrageName(int suffrage);

struct SnapshotMeta {
  int version = 1;
  std::string id = "bolt-snapshot";
  uint64_t index = 0;
  uint64_t term = 0;
  std::optional<std::string> peers;  // raw bytes; nullopt encodes as null
  // nullopt encodes as {"Servers":null}, Vault's value with no config.
  std::optional<std::vector<RaftServer>> servers;
  uint64_t configuration_index = 0;
  int64_t size = 0;
  bool operator==(const SnapshotMeta&) const = default;
};

// Fails with kCorruption and a message naming the field.
Result<SnapshotMeta> ParseMeta(std::string_view json);

// Go's json.NewEncoder(..).Encode(meta): compact JSON plus "\n".
std::string EncodeMeta(const SnapshotMeta& meta);

}  // namespace vk::snapshot

#endif  // KIT_SNAPSHOT_META_H_
