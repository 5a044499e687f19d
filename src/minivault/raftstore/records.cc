#include "minivault/raftstore/records.h"

#include <zlib.h>

#include <cstring>

namespace vk::raftstore {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kCrcSize = 4;
// Entry value: version, type, term (8 bytes), data, crc.
constexpr size_t kEntryHeaderSize = 1 + 1 + 8;
// Hard state value: version, term, vote, commit (8 bytes each), crc.
constexpr size_t kHardStateSize = 1 + 3 * 8 + kCrcSize;
// Base value: version, index, term (8 bytes each), voter count (4 bytes),
// voters (8 bytes each), crc.
constexpr size_t kBaseFixedSize = 1 + 2 * 8 + 4 + kCrcSize;

void Store64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}
void Store32(char* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}
uint64_t Load64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint32_t Load32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

// zlib's CRC-32: already linked, and fast enough that checking a 1 MiB
// entry costs far less than the fsync that wrote it.
uint32_t Crc(uint32_t crc, std::string_view s) {
  return static_cast<uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(s.data()), s.size()));
}

void Append64(std::string* s, uint64_t v) {
  s->resize(s->size() + 8);
  Store64(s->data() + s->size() - 8, v);
}

// Appends the CRC of everything in `rec`.
std::string Seal(std::string rec) {
  uint32_t crc = Crc(0, rec);
  rec.resize(rec.size() + kCrcSize);
  Store32(rec.data() + rec.size() - kCrcSize, crc);
  return rec;
}

// Checks the size, version and checksum of a meta record; returns the bytes
// between the version and the checksum.
Result<std::string_view> OpenMeta(std::string_view name, std::string_view v,
                                  size_t min_size) {
  auto bad = [&](const std::string& what) {
    return Corruption("raft log " + std::string(name) + " record: " + what);
  };
  if (v.size() < min_size) {
    return bad(std::to_string(v.size()) + " bytes is too short");
  }
  if (static_cast<uint8_t>(v[0]) != kVersion) {
    return bad("unknown version " + std::to_string(static_cast<uint8_t>(v[0])));
  }
  size_t body = v.size() - kCrcSize;
  if (Load32(v.data() + body) != Crc(0, v.substr(0, body))) {
    return bad("checksum mismatch");
  }
  return v.substr(1, body - 1);
}

}  // namespace

EntryKey MakeEntryKey(uint64_t index) {
  EntryKey k;
  Store64(k.data(), index);
  return k;
}

Result<uint64_t> DecodeEntryKey(std::string_view key) {
  if (key.size() != 8) {
    return Corruption("raft log has a key of " + std::to_string(key.size()) +
                      " bytes; entry keys are 8-byte indexes");
  }
  return Load64(key.data());
}

size_t EntryRecordSize(const raft::Entry& e) {
  return kEntryHeaderSize + e.data.size() + kCrcSize;
}

void EncodeEntryRecord(const raft::Entry& e, char* out) {
  out[0] = static_cast<char>(kVersion);
  out[1] = static_cast<char>(e.type);
  Store64(out + 2, e.term);
  if (!e.data.empty()) {
    std::memcpy(out + kEntryHeaderSize, e.data.data(), e.data.size());
  }
  size_t body = kEntryHeaderSize + e.data.size();
  EntryKey key = MakeEntryKey(e.index);
  Store32(out + body, Crc(Crc(0, KeyView(key)), {out, body}));
}

Result<EntryView> DecodeEntryRecord(std::string_view key,
                                    std::string_view value) {
  EntryView e;
  VK_ASSIGN_OR_RETURN(e.index, DecodeEntryKey(key));
  auto bad = [&](const std::string& what) {
    return Corruption("raft log entry " + std::to_string(e.index) + ": " +
                      what);
  };
  if (value.size() < kEntryHeaderSize + kCrcSize) {
    return bad("record of " + std::to_string(value.size()) +
               " bytes is too short");
  }
  if (static_cast<uint8_t>(value[0]) != kVersion) {
    return bad("unknown record version " +
               std::to_string(static_cast<uint8_t>(value[0])));
  }
  size_t body = value.size() - kCrcSize;
  if (Load32(value.data() + body) != Crc(Crc(0, key), value.substr(0, body))) {
    return bad("checksum mismatch");
  }
  auto type = static_cast<uint8_t>(value[1]);
  if (type > static_cast<uint8_t>(raft::Entry::Type::kConfChange)) {
    return bad("unknown entry type " + std::to_string(type));
  }
  e.type = static_cast<raft::Entry::Type>(type);
  e.term = Load64(value.data() + 2);
  if (e.term == 0) return bad("term 0");
  e.data = value.substr(kEntryHeaderSize, body - kEntryHeaderSize);
  return e;
}

std::string EncodeHardState(const raft::HardState& hs) {
  std::string rec(1, static_cast<char>(kVersion));
  Append64(&rec, hs.term);
  Append64(&rec, hs.vote);
  Append64(&rec, hs.commit);
  return Seal(std::move(rec));
}

Result<raft::HardState> DecodeHardState(std::string_view value) {
  VK_ASSIGN_OR_RETURN(std::string_view b,
                      OpenMeta("hard_state", value, kHardStateSize));
  if (value.size() != kHardStateSize) {
    return Corruption("raft log hard_state record has " +
                      std::to_string(value.size()) + " bytes, expected " +
                      std::to_string(kHardStateSize));
  }
  return raft::HardState{.term = Load64(b.data()),
                         .vote = Load64(b.data() + 8),
                         .commit = Load64(b.data() + 16)};
}

std::string EncodeBase(const LogBase& base) {
  std::string rec(1, static_cast<char>(kVersion));
  Append64(&rec, base.index);
  Append64(&rec, base.term);
  rec.resize(rec.size() + 4);
  Store32(rec.data() + rec.size() - 4,
          static_cast<uint32_t>(base.voters.size()));
  for (uint64_t v : base.voters) Append64(&rec, v);
  return Seal(std::move(rec));
}

Result<LogBase> DecodeBase(std::string_view value) {
  VK_ASSIGN_OR_RETURN(std::string_view b,
                      OpenMeta("base", value, kBaseFixedSize));
  LogBase base{.index = Load64(b.data()), .term = Load64(b.data() + 8)};
  uint64_t count = Load32(b.data() + 16);
  if (value.size() != kBaseFixedSize + 8 * count) {
    return Corruption("raft log base record has " +
                      std::to_string(value.size()) + " bytes for " +
                      std::to_string(count) + " voters");
  }
  if ((base.index == 0) != (base.term == 0)) {
    return Corruption("raft log base has index " + std::to_string(base.index) +
                      " with term " + std::to_string(base.term));
  }
  base.voters.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    base.voters.push_back(Load64(b.data() + 20 + 8 * i));
  }
  return base;
}

}  // namespace vk::raftstore
