// Encodings of the state machine's persisted state.
//
// state.bin records (reference §3) are what a snapshot streams out of the
// "data" database. The "config" database holds the same protobuf values
// Vault keeps in its BoltDB "config" bucket (reference §3): latest_indexes
// is IndexValue{1: term, 2: index} and latest_config is
// ConfigurationValue{1: index, 2: repeated Server{1: suffrage int32, 2: id,
// 3: address}}. Reusing Vault's shapes costs nothing and keeps the file
// explainable with Vault's own documentation.
#ifndef MINIVAULT_FSM_STATE_CODEC_H_
#define MINIVAULT_FSM_STATE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"
#include "kit/snapshot/meta.h"

namespace vk::fsm {

// One state.bin record: uvarint(len(msg)) + protobuf StorageEntry{1: key
// string, 2: value bytes (omitted when empty)}, byte-identical to Vault's.
void AppendStateRecord(std::string* out, std::string_view key,
                       std::string_view value);
// The record without its value bytes, so a large value can be written
// straight from where it lies; followed by the value it is a full record.
void AppendStateRecordHeader(std::string* out, std::string_view key,
                             size_t value_size);
// Size AppendStateRecord adds.
uint64_t StateRecordSize(size_t key_size, size_t value_size);

// The raft configuration as of `index` (the log index that set it).
struct Configuration {
  std::vector<snapshot::RaftServer> servers;
  uint64_t index = 0;
  bool operator==(const Configuration&) const = default;
};

struct IndexValue {
  uint64_t term = 0;
  uint64_t index = 0;
  bool operator==(const IndexValue&) const = default;
};

// Keys in the "config" database.
inline constexpr std::string_view kLatestIndexesKey = "latest_indexes";
inline constexpr std::string_view kLatestConfigKey = "latest_config";

std::string EncodeIndexValue(const IndexValue& v);
// Unknown fields are skipped (protobuf rules); malformed input fails with
// kCorruption.
Result<IndexValue> DecodeIndexValue(std::string_view bytes);

std::string EncodeConfigurationValue(const Configuration& c);
Result<Configuration> DecodeConfigurationValue(std::string_view bytes);

}  // namespace vk::fsm

#endif  // MINIVAULT_FSM_STATE_CODEC_H_
