#include "minivault/raft/wire.h"

#include <limits>
#include <utility>

#include "kit/base/check.h"

namespace vk::raft {
namespace {

// Smallest encodings, used to bound list counts by the remaining input
// before anything is allocated.
constexpr size_t kMinEntrySize = 8 + 8 + 1 + 4;
constexpr size_t kMinMessageSize =
    1 + 6 * 8 + 1 + 8 + (8 + 8 + 4) + 4;  // no voters, no entries

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U32(uint32_t v) {
    for (int k = 0; k < 4; ++k) U8(static_cast<uint8_t>(v >> (8 * k)));
  }
  void U64(uint64_t v) {
    for (int k = 0; k < 8; ++k) U8(static_cast<uint8_t>(v >> (8 * k)));
  }
  void Count(size_t n) {
    VK_CHECK(n <= std::numeric_limits<uint32_t>::max());
    U32(static_cast<uint32_t>(n));
  }
  void Str(std::string_view s) {
    Count(s.size());
    out_->append(s);
  }

 private:
  std::string* out_;
};

// Reads from the front of `in_`; after the first failure every read fails
// and returns zeros, so decoders check ok() once per value they build.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }
  size_t remaining() const { return in_.size(); }
  void Fail() {
    ok_ = false;
    in_ = {};
  }

  uint8_t U8() {
    if (!Need(1)) return 0;
    uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int k = 3; k >= 0; --k) {
      v = (v << 8) | static_cast<uint8_t>(in_[static_cast<size_t>(k)]);
    }
    in_.remove_prefix(4);
    return v;
  }
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int k = 7; k >= 0; --k) {
      v = (v << 8) | static_cast<uint8_t>(in_[static_cast<size_t>(k)]);
    }
    in_.remove_prefix(8);
    return v;
  }
  bool Bool() {
    uint8_t v = U8();
    if (v > 1) Fail();
    return v == 1;
  }
  // A list count, refused unless `count * min_item` bytes remain.
  size_t Count(size_t min_item) {
    uint32_t n = U32();
    if (!ok_ || n > in_.size() / min_item) {
      Fail();
      return 0;
    }
    return n;
  }
  std::string Str() {
    uint32_t n = U32();
    if (!Need(n)) return {};
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }

 private:
  bool Need(size_t n) {
    if (ok_ && in_.size() >= n) return true;
    Fail();
    return false;
  }

  std::string_view in_;
  bool ok_ = true;
};

Status Bad(const char* what) {
  return Corruption(std::string("raft wire: malformed ") + what);
}

// Starts a decode: checks the format byte.
Status Header(Reader& r, const char* what) {
  uint8_t f = r.U8();
  if (!r.ok()) return Bad(what);
  if (f != kWireFormat) {
    return Corruption(std::string("raft wire: unknown format ") +
                      std::to_string(f) + " for " + what);
  }
  return Status::Ok();
}

void PutEntry(Writer& w, const Entry& e) {
  w.U64(e.index);
  w.U64(e.term);
  w.U8(static_cast<uint8_t>(e.type));
  w.Str(e.data);
}

Entry GetEntry(Reader& r) {
  Entry e;
  e.index = r.U64();
  e.term = r.U64();
  uint8_t t = r.U8();
  if (t > static_cast<uint8_t>(Entry::Type::kConfChange)) r.Fail();
  e.type = static_cast<Entry::Type>(t);
  e.data = r.Str();
  return e;
}

void PutMessage(Writer& w, const Message& m) {
  w.U8(static_cast<uint8_t>(m.type));
  w.U64(m.from);
  w.U64(m.to);
  w.U64(m.term);
  w.U64(m.log_term);
  w.U64(m.index);
  w.U64(m.commit);
  w.U8(m.reject ? 1 : 0);
  w.U64(m.reject_hint);
  w.U64(m.snapshot.index);
  w.U64(m.snapshot.term);
  w.Count(m.snapshot.voters.size());
  for (NodeId v : m.snapshot.voters) w.U64(v);
  w.Count(m.entries.size());
  for (const Entry& e : m.entries) PutEntry(w, e);
}

Message GetMessage(Reader& r) {
  Message m;
  uint8_t t = r.U8();
  if (t > static_cast<uint8_t>(MessageType::kSnapshot)) r.Fail();
  m.type = static_cast<MessageType>(t);
  m.from = r.U64();
  m.to = r.U64();
  m.term = r.U64();
  m.log_term = r.U64();
  m.index = r.U64();
  m.commit = r.U64();
  m.reject = r.Bool();
  m.reject_hint = r.U64();
  m.snapshot.index = r.U64();
  m.snapshot.term = r.U64();
  size_t nv = r.Count(8);
  m.snapshot.voters.reserve(nv);
  for (size_t k = 0; k < nv; ++k) m.snapshot.voters.push_back(r.U64());
  size_t ne = r.Count(kMinEntrySize);
  m.entries.reserve(ne);
  for (size_t k = 0; k < ne && r.ok(); ++k) m.entries.push_back(GetEntry(r));
  return m;
}

}  // namespace

const char* MessageTypeName(MessageType t) {
  switch (t) {
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResponse:
      return "PreVoteResponse";
    case MessageType::kVote:
      return "Vote";
    case MessageType::kVoteResponse:
      return "VoteResponse";
    case MessageType::kAppend:
      return "Append";
    case MessageType::kAppendResponse:
      return "AppendResponse";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResponse:
      return "HeartbeatResponse";
    case MessageType::kSnapshot:
      return "Snapshot";
  }
  return "?";
}

std::string EncodeMessage(const Message& m) {
  std::string out;
  Writer w(&out);
  w.U8(kWireFormat);
  PutMessage(w, m);
  return out;
}

Result<Message> DecodeMessage(std::string_view b) {
  Reader r(b);
  VK_RETURN_IF_ERROR(Header(r, "message"));
  Message m = GetMessage(r);
  if (!r.done()) return Bad("message");
  return m;
}

std::string EncodeMessages(const std::vector<Message>& ms) {
  std::string out;
  Writer w(&out);
  w.U8(kWireFormat);
  w.Count(ms.size());
  for (const Message& m : ms) PutMessage(w, m);
  return out;
}

Result<std::vector<Message>> DecodeMessages(std::string_view b) {
  Reader r(b);
  VK_RETURN_IF_ERROR(Header(r, "message batch"));
  size_t n = r.Count(kMinMessageSize);
  std::vector<Message> ms;
  ms.reserve(n);
  for (size_t k = 0; k < n && r.ok(); ++k) ms.push_back(GetMessage(r));
  if (!r.done()) return Bad("message batch");
  return ms;
}

std::string EncodeEntry(const Entry& e) {
  std::string out;
  Writer w(&out);
  w.U8(kWireFormat);
  PutEntry(w, e);
  return out;
}

Result<Entry> DecodeEntry(std::string_view b) {
  Reader r(b);
  VK_RETURN_IF_ERROR(Header(r, "entry"));
  Entry e = GetEntry(r);
  if (!r.done()) return Bad("entry");
  return e;
}

std::string EncodeConfChange(const ConfChange& cc) {
  std::string out;
  Writer w(&out);
  w.U8(kWireFormat);
  w.U8(static_cast<uint8_t>(cc.kind));
  w.U64(cc.node);
  w.Str(cc.context);
  return out;
}

Result<ConfChange> DecodeConfChange(std::string_view b) {
  Reader r(b);
  VK_RETURN_IF_ERROR(Header(r, "conf change"));
  ConfChange cc;
  uint8_t k = r.U8();
  if (k > static_cast<uint8_t>(ConfChange::Kind::kRemoveNode)) r.Fail();
  cc.kind = static_cast<ConfChange::Kind>(k);
  cc.node = r.U64();
  cc.context = r.Str();
  if (!r.done()) return Bad("conf change");
  return cc;
}

}  // namespace vk::raft
