#include "minivault/fsm/state_codec.h"

#include "kit/snapshot/records.h"

namespace vk::fsm {
namespace {

using snapshot::AppendUvarint;

void AppendTag(std::string* out, int field, int wire_type) {
  AppendUvarint(out, static_cast<uint64_t>(field << 3 | wire_type));
}

// proto3: zero scalars and empty strings are omitted.
void AppendVarintField(std::string* out, int field, uint64_t v) {
  if (v == 0) return;
  AppendTag(out, field, 0);
  AppendUvarint(out, v);
}

void AppendBytesField(std::string* out, int field, std::string_view s,
                      bool keep_empty = false) {
  if (s.empty() && !keep_empty) return;
  AppendTag(out, field, 2);
  AppendUvarint(out, s.size());
  out->append(s);
}

// A bounds-checked protobuf reader: Next() yields (field, wire type) and
// then the caller takes the payload with Varint() or Bytes(), or Skip()s it.
class PbReader {
 public:
  PbReader(std::string_view in, const char* what) : in_(in), what_(what) {}

  bool done() const { return pos_ == in_.size(); }

  Status Next(int* field, int* wire_type) {
    uint64_t tag = 0;
    VK_RETURN_IF_ERROR(Varint(&tag));
    if (tag >> 3 == 0 || tag >> 3 > (uint64_t{1} << 29)) {
      return Fail("invalid field number");
    }
    *field = static_cast<int>(tag >> 3);
    *wire_type = static_cast<int>(tag & 7);
    return Status::Ok();
  }

  Status Varint(uint64_t* v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) return Fail("truncated varint");
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      if (shift == 63 && b > 1) break;
      x |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *v = x;
        return Status::Ok();
      }
    }
    return Fail("varint overflows 64 bits");
  }

  Status Bytes(std::string_view* s) {
    uint64_t n = 0;
    VK_RETURN_IF_ERROR(Varint(&n));
    if (n > in_.size() - pos_) return Fail("length runs past the end");
    *s = in_.substr(pos_, n);
    pos_ += n;
    return Status::Ok();
  }

  Status Skip(int wire_type) {
    uint64_t v = 0;
    std::string_view s;
    size_t n = 0;
    switch (wire_type) {
      case 0:
        return Varint(&v);
      case 2:
        return Bytes(&s);
      case 1:
      case 5:
        n = wire_type == 1 ? 8 : 4;
        if (n > in_.size() - pos_) return Fail("truncated fixed field");
        pos_ += n;
        return Status::Ok();
      default:
        return Fail("unsupported wire type " + std::to_string(wire_type));
    }
  }

  Status Expect(int wire_type, int want) {
    if (wire_type == want) return Status::Ok();
    return Fail("wire type " + std::to_string(wire_type) + ", expected " +
                std::to_string(want));
  }

  Status Fail(const std::string& why) const {
    return Corruption(std::string(what_) + ": " + why + " at offset " +
                      std::to_string(pos_));
  }

 private:
  std::string_view in_;
  const char* what_;
  size_t pos_ = 0;
};

Result<snapshot::RaftServer> DecodeServer(std::string_view bytes) {
  PbReader r(bytes, "latest_config server");
  snapshot::RaftServer s;
  while (!r.done()) {
    int f = 0, wt = 0;
    VK_RETURN_IF_ERROR(r.Next(&f, &wt));
    if (f == 1) {
      VK_RETURN_IF_ERROR(r.Expect(wt, 0));
      uint64_t v = 0;
      VK_RETURN_IF_ERROR(r.Varint(&v));
      s.suffrage = static_cast<int32_t>(static_cast<uint32_t>(v));
    } else if (f == 2 || f == 3) {
      VK_RETURN_IF_ERROR(r.Expect(wt, 2));
      std::string_view str;
      VK_RETURN_IF_ERROR(r.Bytes(&str));
      (f == 2 ? s.id : s.address) = std::string(str);
    } else {
      VK_RETURN_IF_ERROR(r.Skip(wt));
    }
  }
  return s;
}

}  // namespace

void AppendStateRecordHeader(std::string* out, std::string_view key,
                             size_t value_size) {
  uint64_t msg = 0;
  if (!key.empty()) msg += 1 + snapshot::UvarintSize(key.size()) + key.size();
  if (value_size != 0) {
    msg += 1 + snapshot::UvarintSize(value_size) + value_size;
  }
  AppendUvarint(out, msg);
  AppendBytesField(out, 1, key);
  if (value_size != 0) {
    AppendTag(out, 2, 2);
    AppendUvarint(out, value_size);
  }
}

void AppendStateRecord(std::string* out, std::string_view key,
                       std::string_view value) {
  AppendStateRecordHeader(out, key, value.size());
  out->append(value);
}

uint64_t StateRecordSize(size_t key_size, size_t value_size) {
  return snapshot::RecordSize(key_size, value_size);
}

std::string EncodeIndexValue(const IndexValue& v) {
  std::string out;
  AppendVarintField(&out, 1, v.term);
  AppendVarintField(&out, 2, v.index);
  return out;
}

Result<IndexValue> DecodeIndexValue(std::string_view bytes) {
  PbReader r(bytes, "latest_indexes");
  IndexValue v;
  while (!r.done()) {
    int f = 0, wt = 0;
    VK_RETURN_IF_ERROR(r.Next(&f, &wt));
    if (f == 1 || f == 2) {
      VK_RETURN_IF_ERROR(r.Expect(wt, 0));
      VK_RETURN_IF_ERROR(r.Varint(f == 1 ? &v.term : &v.index));
    } else {
      VK_RETURN_IF_ERROR(r.Skip(wt));
    }
  }
  return v;
}

std::string EncodeConfigurationValue(const Configuration& c) {
  std::string out;
  AppendVarintField(&out, 1, c.index);
  for (const snapshot::RaftServer& s : c.servers) {
    std::string server;
    // int32 is sign-extended to 64 bits on the wire, as protobuf does.
    AppendVarintField(&server, 1,
                      static_cast<uint64_t>(static_cast<int64_t>(s.suffrage)));
    AppendBytesField(&server, 2, s.id);
    AppendBytesField(&server, 3, s.address);
    // An all-default server is still an element of the repeated field.
    AppendBytesField(&out, 2, server, /*keep_empty=*/true);
  }
  return out;
}

Result<Configuration> DecodeConfigurationValue(std::string_view bytes) {
  PbReader r(bytes, "latest_config");
  Configuration c;
  while (!r.done()) {
    int f = 0, wt = 0;
    VK_RETURN_IF_ERROR(r.Next(&f, &wt));
    if (f == 1) {
      VK_RETURN_IF_ERROR(r.Expect(wt, 0));
      VK_RETURN_IF_ERROR(r.Varint(&c.index));
    } else if (f == 2) {
      VK_RETURN_IF_ERROR(r.Expect(wt, 2));
      std::string_view sub;
      VK_RETURN_IF_ERROR(r.Bytes(&sub));
      VK_ASSIGN_OR_RETURN(snapshot::RaftServer s, DecodeServer(sub));
      c.servers.push_back(std::move(s));
    } else {
      VK_RETURN_IF_ERROR(r.Skip(wt));
    }
  }
  return c;
}

}  // namespace vk::fsm
