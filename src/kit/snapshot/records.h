// state.bin records (reference §3): each record is an unsigned LEB128
// length followed by a protobuf StorageEntry {1: key string, 2: value
// bytes, 3: seal_wrap bool}. There is no header, count or trailer.
//
// RecordScanner is a push parser: feed it state.bin in pieces of any size
// and it reports each record with its offset and length, which is what a
// record-aligned chunker and `inspect` need. It never trusts a length it has
// not bounded: a record length is checked against the bytes of state.bin
// that remain and against Vault's own limit (2^31-1) before anything is
// consumed, field lengths against the record, and key length against a cap.
// Values are skipped, not buffered, unless keep_values is set.
#ifndef KIT_SNAPSHOT_RECORDS_H_
#define KIT_SNAPSHOT_RECORDS_H_

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>

#include "kit/base/byte_stream.h"
#include "kit/protowire/protowire.h"

namespace vk::snapshot {

struct StateRecord {
  uint64_t offset = 0;        // offset of the length prefix in state.bin
  uint64_t length = 0;        // whole record: prefix + message
  uint64_t message_size = 0;  // the StorageEntry message alone
  std::string_view key;
  uint64_t value_size = 0;
  ByteSpan value;  // the value bytes, only with keep_values
  bool seal_wrap = false;
};

class RecordScanner {
 public:
  struct Options {
    // Vault's reader: NewDelimitedReader(r, math.MaxInt32).
    uint64_t max_message_size = std::numeric_limits<int32_t>::max();
    // BoltDB, Vault's store, refuses empty keys and keys over MaxKeySize
    // (32768 bytes), so a restore of such a record would fail.
    size_t max_key_size = 32768;
    bool keep_values = false;
    size_t max_value_size = 64 << 20;  // with keep_values
  };
  using Callback = std::function<Status(const StateRecord&)>;

  // `total_size` is the length of state.bin (from its tar header); use
  // UINT64_MAX when unknown.
  RecordScanner(uint64_t total_size, Options options, Callback callback);

  Status Feed(ByteSpan data);
  // Call at the end of state.bin: fails if it ended inside a record.
  Status Finish();

  uint64_t records() const { return records_; }
  uint64_t position() const { return pos_; }

 private:
  enum class State { kLen, kTag, kFieldLen, kVarintField, kSkip, kKey, kValue };
  Status Fail(std::string why) const;
  Status StartField(uint64_t tag);
  Status EndOfFieldOrRecord();
  Status Emit();

  uint64_t total_;
  Options opt_;
  Callback cb_;

  State state_ = State::kLen;
  uint64_t pos_ = 0;  // bytes of state.bin consumed
  uint64_t records_ = 0;

  protowire::VarintDecoder var_;  // the varint being read

  // current record
  uint64_t rec_offset_ = 0;
  uint64_t msg_size_ = 0;
  uint64_t msg_left_ = 0;
  uint64_t field_ = 0;
  uint64_t field_left_ = 0;  // for kSkip / kKey / kValue
  std::string key_;
  std::string value_;
  uint64_t value_size_ = 0;
  bool seal_wrap_ = false;
};

// Appends one record (length prefix + StorageEntry) to `out`, encoded as
// Go's proto.Marshal does (fields in order, empty value omitted).
void AppendRecord(std::string* out, std::string_view key,
                  std::string_view value);
// The record without its value bytes, so a large value can be written
// straight from where it lies; followed by the `value_size` value bytes it
// is exactly AppendRecord's output.
void AppendRecordHeader(std::string* out, std::string_view key,
                        size_t value_size);
// Size AppendRecord would add, without building it.
uint64_t RecordSize(size_t key_size, size_t value_size);

}  // namespace vk::snapshot

#endif  // KIT_SNAPSHOT_RECORDS_H_
