// Protocol Buffers wire format, by hand: varints, fixed32/64, tags and
// length-delimited fields, for the few Vault and raft messages the products
// read and write (BlobInfo, latest_indexes, latest_config, and Vault's
// storage formats to come). No schema, no reflection: callers walk fields
// with a Reader and build messages with a Writer.
//
// The Reader is strict where the format is unambiguous, so a damaged input
// is an error and never a wrong value: a varint longer than 10 bytes or
// above 2^64-1, a length or fixed field that runs past the end, field
// number 0 or above 2^29-1, and wire types other than 0, 1, 2 and 5 (groups,
// 3 and 4, are deprecated and nothing we read uses them) all fail with
// kCorruption. Non-minimal varints (0x80 0x00) are accepted, as protobuf
// does.
#ifndef KIT_PROTOWIRE_PROTOWIRE_H_
#define KIT_PROTOWIRE_PROTOWIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kit/base/result.h"
#include "kit/base/status.h"

namespace vk::protowire {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

inline constexpr size_t kMaxVarintSize = 10;
inline constexpr uint32_t kMaxFieldNumber = (uint32_t{1} << 29) - 1;

// Bytes AppendVarint adds for `v` (1 to 10).
size_t VarintSize(uint64_t v);
void AppendVarint(std::string* out, uint64_t v);
// Bytes a length-delimited field adds: tag, length and payload.
size_t LengthDelimitedFieldSize(uint32_t field, size_t payload_size);

// Outcome of decoding one varint from raw bytes.
enum class VarintParse { kOk, kTruncated, kOverflow };
// Decodes the varint at in[*pos]; on kOk stores it in *v and moves *pos past
// it. On failure *pos is where the varint started. For formats that are not
// protobuf but share its varint (minivault's command encoding); protobuf
// readers use Reader.
VarintParse ParseVarint(std::string_view in, size_t* pos, uint64_t* v);

// Decodes a varint one byte at a time, for parsers that see their input in
// pieces (the state.bin scanner); the same rules as ParseVarint, which uses
// it. After kDone or kOverflow it starts over with the next byte.
class VarintDecoder {
 public:
  enum class Step { kMore, kDone, kOverflow };
  // On kDone stores the value in *v.
  Step Push(uint8_t b, uint64_t* v);
  // True between the first byte of a varint and its last.
  bool started() const { return shift_ != 0; }
  void Reset() {
    value_ = 0;
    shift_ = 0;
  }

 private:
  uint64_t value_ = 0;
  int shift_ = 0;
};

// Appends to a caller-owned string. Field numbers must be in
// [1, kMaxFieldNumber] (checked: a bad one is a bug, not input).
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void Varint(uint64_t v) { AppendVarint(out_, v); }
  void Fixed32(uint32_t v);  // little-endian, as protobuf
  void Fixed64(uint64_t v);
  void Tag(uint32_t field, WireType type);
  // uvarint(size) + bytes.
  void LengthPrefixed(std::string_view bytes);

  // Tag and payload: fields are always written, even when zero or empty
  // (an element of a repeated field must be).
  void VarintField(uint32_t field, uint64_t v);
  void Fixed32Field(uint32_t field, uint32_t v);
  void Fixed64Field(uint32_t field, uint64_t v);
  void BytesField(uint32_t field, std::string_view bytes);
  // The tag and length of a length-delimited field whose `size` payload
  // bytes the caller appends itself (a large value written from elsewhere).
  void BytesFieldHeader(uint32_t field, size_t size);

  // proto3 implicit presence: omitted when zero / empty, which is how Go's
  // proto.Marshal writes singular scalar fields.
  void ImplicitVarintField(uint32_t field, uint64_t v) {
    if (v != 0) VarintField(field, v);
  }
  void ImplicitBytesField(uint32_t field, std::string_view bytes) {
    if (!bytes.empty()) BytesField(field, bytes);
  }

 private:
  std::string* out_;
};

// Why the last Reader call failed; lets callers and tests tell the cases
// apart without parsing messages.
enum class WireError {
  kNone,
  kTruncatedVarint,
  kVarintOverflow,  // more than 10 bytes, or a value above 2^64-1
  kTruncatedFixed,
  kLengthPastEnd,
  kBadFieldNumber,
  kUnknownWireType,
  kUnexpectedWireType,  // a known field with the wrong wire type
};

struct Field {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
};

// Reads a message from the front of a buffer the caller keeps alive (the
// string_views it returns point into it). Errors are kCorruption with the
// message "<what>: <why> at offset <n>"; after one, the caller stops.
class Reader {
 public:
  Reader(std::string_view in, std::string_view what) : in_(in), what_(what) {}

  bool done() const { return pos_ == in_.size(); }
  size_t offset() const { return pos_; }
  WireError error() const { return error_; }

  // The next field's tag.
  Result<Field> Next();
  Result<uint64_t> Varint();
  Result<uint32_t> Fixed32();
  Result<uint64_t> Fixed64();
  // The payload of a length-delimited field.
  Result<std::string_view> Bytes();

  // Skips the payload of a field of this type (an unknown field).
  Status Skip(WireType type);
  // The typed readers for a known field: fail with kUnexpectedWireType
  // unless `f` has the type they read.
  Result<uint64_t> VarintOf(const Field& f);
  Result<std::string_view> BytesOf(const Field& f);

 private:
  Status Fail(WireError e, std::string_view why);
  Status ExpectType(const Field& f, WireType want);
  Status Advance(size_t n);

  std::string_view in_;
  std::string_view what_;
  size_t pos_ = 0;
  WireError error_ = WireError::kNone;
};

}  // namespace vk::protowire

#endif  // KIT_PROTOWIRE_PROTOWIRE_H_
