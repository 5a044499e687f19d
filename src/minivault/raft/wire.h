// Binary wire format for the raft core's values: messages between nodes,
// log entries (for the host's log storage) and membership changes (the data
// of kConfChange entries).
//
// Every encoding starts with a format byte (kWireFormat); integers are
// fixed-width little-endian, strings and lists are prefixed by a 32-bit
// count. Decoding trusts nothing: truncated input, trailing bytes, an
// unknown format byte or enum value, or a count larger than the remaining
// input could hold all yield Corruption, never a crash or an allocation
// larger than the input justifies. The layout is in docs/raft.md.
#ifndef MINIVAULT_RAFT_WIRE_H_
#define MINIVAULT_RAFT_WIRE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"
#include "minivault/raft/types.h"

namespace vk::raft {

inline constexpr uint8_t kWireFormat = 1;

std::string EncodeMessage(const Message& m);
Result<Message> DecodeMessage(std::string_view b);

// A batch of messages in one body (the transport sends batches per peer).
std::string EncodeMessages(const std::vector<Message>& ms);
Result<std::vector<Message>> DecodeMessages(std::string_view b);

std::string EncodeEntry(const Entry& e);
Result<Entry> DecodeEntry(std::string_view b);

std::string EncodeConfChange(const ConfChange& cc);
Result<ConfChange> DecodeConfChange(std::string_view b);

}  // namespace vk::raft

#endif  // MINIVAULT_RAFT_WIRE_H_
