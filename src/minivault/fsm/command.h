// A state-machine command: the ops one Apply performs atomically. Its
// encoding is the payload of a raft log entry, so it is versioned and the
// decoder treats its input as untrusted (every length is bounds-checked).
#ifndef MINIVAULT_FSM_COMMAND_H_
#define MINIVAULT_FSM_COMMAND_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk::fsm {

struct Op {
  enum class Kind : uint8_t { kPut = 1, kDelete = 2, kDeletePrefix = 3 };
  Kind kind = Kind::kPut;
  std::string key;    // for kDeletePrefix: the prefix
  std::string value;  // kPut only
  bool operator==(const Op&) const = default;
};

struct Command {
  std::vector<Op> ops;
  bool operator==(const Command&) const = default;
};

// Format version 1:
//   byte 0x01, uvarint(op count), then per op:
//   byte kind, uvarint(len key), key, and for kPut uvarint(len value), value.
// Values of non-put ops are not encoded.
std::string EncodeCommand(const Command& cmd);

// Fails with kCorruption on an unknown version or op kind, a length that
// runs past the input, an overlong varint, or trailing bytes. It checks
// structure only; key rules are Store::Apply's.
Result<Command> DecodeCommand(std::string_view bytes);

}  // namespace vk::fsm

#endif  // MINIVAULT_FSM_COMMAND_H_
