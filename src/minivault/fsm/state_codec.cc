#include "minivault/fsm/state_codec.h"

#include "kit/protowire/protowire.h"
#include "kit/snapshot/records.h"

namespace vk::fsm {
namespace {

using protowire::Field;
using protowire::Reader;
using protowire::Writer;

Result<snapshot::RaftServer> DecodeServer(std::string_view bytes) {
  Reader r(bytes, "latest_config server");
  snapshot::RaftServer s;
  while (!r.done()) {
    VK_ASSIGN_OR_RETURN(Field f, r.Next());
    if (f.number == 1) {
      VK_ASSIGN_OR_RETURN(uint64_t v, r.VarintOf(f));
      s.suffrage = static_cast<int32_t>(static_cast<uint32_t>(v));
    } else if (f.number == 2 || f.number == 3) {
      VK_ASSIGN_OR_RETURN(std::string_view str, r.BytesOf(f));
      (f.number == 2 ? s.id : s.address) = std::string(str);
    } else {
      VK_RETURN_IF_ERROR(r.Skip(f.type));
    }
  }
  return s;
}

}  // namespace

void AppendStateRecordHeader(std::string* out, std::string_view key,
                             size_t value_size) {
  snapshot::AppendRecordHeader(out, key, value_size);
}

void AppendStateRecord(std::string* out, std::string_view key,
                       std::string_view value) {
  snapshot::AppendRecord(out, key, value);
}

uint64_t StateRecordSize(size_t key_size, size_t value_size) {
  return snapshot::RecordSize(key_size, value_size);
}

std::string EncodeIndexValue(const IndexValue& v) {
  std::string out;
  Writer w(&out);
  w.ImplicitVarintField(1, v.term);
  w.ImplicitVarintField(2, v.index);
  return out;
}

Result<IndexValue> DecodeIndexValue(std::string_view bytes) {
  Reader r(bytes, "latest_indexes");
  IndexValue v;
  while (!r.done()) {
    VK_ASSIGN_OR_RETURN(Field f, r.Next());
    if (f.number == 1 || f.number == 2) {
      VK_ASSIGN_OR_RETURN(uint64_t x, r.VarintOf(f));
      (f.number == 1 ? v.term : v.index) = x;
    } else {
      VK_RETURN_IF_ERROR(r.Skip(f.type));
    }
  }
  return v;
}

std::string EncodeConfigurationValue(const Configuration& c) {
  std::string out;
  Writer w(&out);
  w.ImplicitVarintField(1, c.index);
  for (const snapshot::RaftServer& s : c.servers) {
    std::string server;
    Writer sw(&server);
    // int32 is sign-extended to 64 bits on the wire, as protobuf does.
    sw.ImplicitVarintField(
        1, static_cast<uint64_t>(static_cast<int64_t>(s.suffrage)));
    sw.ImplicitBytesField(2, s.id);
    sw.ImplicitBytesField(3, s.address);
    // An all-default server is still an element of the repeated field.
    w.BytesField(2, server);
  }
  return out;
}

Result<Configuration> DecodeConfigurationValue(std::string_view bytes) {
  Reader r(bytes, "latest_config");
  Configuration c;
  while (!r.done()) {
    VK_ASSIGN_OR_RETURN(Field f, r.Next());
    if (f.number == 1) {
      VK_ASSIGN_OR_RETURN(c.index, r.VarintOf(f));
    } else if (f.number == 2) {
      VK_ASSIGN_OR_RETURN(std::string_view sub, r.BytesOf(f));
      VK_ASSIGN_OR_RETURN(snapshot::RaftServer s, DecodeServer(sub));
      c.servers.push_back(std::move(s));
    } else {
      VK_RETURN_IF_ERROR(r.Skip(f.type));
    }
  }
  return c;
}

}  // namespace vk::fsm
