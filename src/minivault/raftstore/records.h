// The on-disk records of the raft log store (docs/raftstore.md): entry keys
// and values, the hard state and the log base. Each value starts with a
// version byte and ends with a CRC-32 of what precedes it (for entries, of
// the key too); decoding checks both and reports damage as kCorruption.
#ifndef MINIVAULT_RAFTSTORE_RECORDS_H_
#define MINIVAULT_RAFTSTORE_RECORDS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"
#include "minivault/raft/types.h"

namespace vk::raftstore {

// The last log position covered by a snapshot ({0, 0}: none, the log starts
// at index 1), and the voter set as of that position. The store keeps
// `voters` as given (raft keeps them sorted) and does not interpret them.
struct LogBase {
  uint64_t index = 0;
  uint64_t term = 0;
  std::vector<uint64_t> voters;
  bool operator==(const LogBase&) const = default;
};

// The key of an entry: its index, 8 bytes big-endian, so that byte order is
// index order.
using EntryKey = std::array<char, 8>;
EntryKey MakeEntryKey(uint64_t index);
inline std::string_view KeyView(const EntryKey& k) {
  return {k.data(), k.size()};
}
// kCorruption unless `key` is 8 bytes.
Result<uint64_t> DecodeEntryKey(std::string_view key);

// The value of `e`: version, type, term (8 bytes), data, CRC (4 bytes).
size_t EntryRecordSize(const raft::Entry& e);
// Writes the value of `e` into `out`, which has EntryRecordSize(e) bytes
// (it may point into the LMDB map: MDB_RESERVE).
void EncodeEntryRecord(const raft::Entry& e, char* out);

// A decoded entry whose data still points into the value.
struct EntryView {
  uint64_t index = 0;
  uint64_t term = 0;
  raft::Entry::Type type = raft::Entry::Type::kNormal;
  std::string_view data;
};
// Checks the key, version, checksum, type and term (>= 1).
Result<EntryView> DecodeEntryRecord(std::string_view key,
                                    std::string_view value);

std::string EncodeHardState(const raft::HardState& hs);
Result<raft::HardState> DecodeHardState(std::string_view value);

std::string EncodeBase(const LogBase& base);
// Also checks that index and term are both zero or both set.
Result<LogBase> DecodeBase(std::string_view value);

}  // namespace vk::raftstore

#endif  // MINIVAULT_RAFTSTORE_RECORDS_H_
