#include "minivault/fsm/command.h"

#include "kit/protowire/protowire.h"

namespace vk::fsm {
namespace {

constexpr uint8_t kVersion = 1;

// A bounds-checked cursor over the encoded command.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  size_t left() const { return in_.size() - pos_; }

  Status Byte(uint8_t* b) {
    if (left() < 1) return Truncated();
    *b = static_cast<uint8_t>(in_[pos_++]);
    return Status::Ok();
  }

  Status Uvarint(uint64_t* v) {
    switch (protowire::ParseVarint(in_, &pos_, v)) {
      case protowire::VarintParse::kOk:
        return Status::Ok();
      case protowire::VarintParse::kTruncated:
        pos_ = in_.size();  // where the input ran out
        return Truncated();
      case protowire::VarintParse::kOverflow:
        break;
    }
    return Corruption("command: a varint at offset " + std::to_string(pos_) +
                      " overflows 64 bits");
  }

  Status String(std::string* out, const char* what) {
    uint64_t n = 0;
    VK_RETURN_IF_ERROR(Uvarint(&n));
    if (n > left()) {
      return Corruption(std::string("command: ") + what + " declares " +
                        std::to_string(n) + " bytes but only " +
                        std::to_string(left()) + " remain");
    }
    out->assign(in_.substr(pos_, n));
    pos_ += n;
    return Status::Ok();
  }

 private:
  Status Truncated() const {
    return Corruption("command: truncated at offset " + std::to_string(pos_));
  }
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

std::string EncodeCommand(const Command& cmd) {
  std::string out;
  out.push_back(static_cast<char>(kVersion));
  protowire::AppendVarint(&out, cmd.ops.size());
  for (const Op& op : cmd.ops) {
    out.push_back(static_cast<char>(op.kind));
    protowire::AppendVarint(&out, op.key.size());
    out.append(op.key);
    if (op.kind == Op::Kind::kPut) {
      protowire::AppendVarint(&out, op.value.size());
      out.append(op.value);
    }
  }
  return out;
}

Result<Command> DecodeCommand(std::string_view bytes) {
  Reader r(bytes);
  uint8_t version = 0;
  VK_RETURN_IF_ERROR(r.Byte(&version));
  if (version != kVersion) {
    return Corruption("command: unsupported encoding version " +
                      std::to_string(version));
  }
  uint64_t count = 0;
  VK_RETURN_IF_ERROR(r.Uvarint(&count));
  // Every op takes at least two bytes (kind, key length); bounding the
  // count by that keeps a forged count from reserving huge memory.
  if (count > r.left() / 2) {
    return Corruption("command: declares " + std::to_string(count) +
                      " ops but only " + std::to_string(r.left()) +
                      " bytes remain");
  }
  Command cmd;
  cmd.ops.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t kind = 0;
    VK_RETURN_IF_ERROR(r.Byte(&kind));
    if (kind < 1 || kind > 3) {
      return Corruption("command: op " + std::to_string(i) +
                        " has unknown kind " + std::to_string(kind));
    }
    Op op;
    op.kind = static_cast<Op::Kind>(kind);
    VK_RETURN_IF_ERROR(r.String(&op.key, "a key"));
    if (op.kind == Op::Kind::kPut) {
      VK_RETURN_IF_ERROR(r.String(&op.value, "a value"));
    }
    cmd.ops.push_back(std::move(op));
  }
  if (r.left() != 0) {
    return Corruption("command: " + std::to_string(r.left()) +
                      " trailing bytes after the last op");
  }
  return cmd;
}

}  // namespace vk::fsm
