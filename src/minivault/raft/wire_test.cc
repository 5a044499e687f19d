#include "minivault/raft/wire.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vk::raft {
namespace {

// A message with every field set to a distinct, non-default value.
Message Full(MessageType type) {
  Message m;
  m.type = type;
  m.from = 0x0102030405060708ull;
  m.to = 2;
  m.term = 77;
  m.log_term = 76;
  m.index = 1000;
  m.commit = 999;
  m.reject = true;
  m.reject_hint = 500;
  m.snapshot = SnapshotMeta{900, 70, {1, 2, 0xFFFFFFFFFFFFFFFFull}};
  m.entries = {Entry{1001, 77, Entry::Type::kNormal, "abc"},
               Entry{1002, 77, Entry::Type::kConfChange, std::string(300, 'x')},
               Entry{1003, 77, Entry::Type::kNormal, ""}};
  return m;
}

bool Same(const Message& a, const Message& b) {
  return a.type == b.type && a.from == b.from && a.to == b.to &&
         a.term == b.term && a.log_term == b.log_term && a.index == b.index &&
         a.entries == b.entries && a.commit == b.commit &&
         a.reject == b.reject && a.reject_hint == b.reject_hint &&
         a.snapshot == b.snapshot;
}

const std::vector<MessageType> kAllTypes = {
    MessageType::kPreVote,   MessageType::kPreVoteResponse,
    MessageType::kVote,      MessageType::kVoteResponse,
    MessageType::kAppend,    MessageType::kAppendResponse,
    MessageType::kHeartbeat, MessageType::kHeartbeatResponse,
    MessageType::kSnapshot};

TEST(RaftWire, EveryMessageTypeRoundTrips) {
  for (MessageType t : kAllTypes) {
    Message m = Full(t);
    auto got = DecodeMessage(EncodeMessage(m));
    ASSERT_TRUE(got.ok()) << MessageTypeName(t) << got.status().ToString();
    EXPECT_TRUE(Same(*got, m)) << MessageTypeName(t);
    EXPECT_EQ(got->snapshot.voters,
              (std::vector<NodeId>{1, 2, 0xFFFFFFFFFFFFFFFFull}));
  }
  // Defaults (reject false, empty lists) too.
  Message empty;
  auto got = DecodeMessage(EncodeMessage(empty));
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(Same(*got, empty));
  EXPECT_FALSE(got->reject);
}

TEST(RaftWire, LayoutIsLittleEndianWithFormatByte) {
  Entry e{0x0102, 3, Entry::Type::kConfChange, "hi"};
  std::string b = EncodeEntry(e);
  ASSERT_EQ(b.size(), 1u + 8 + 8 + 1 + 4 + 2);
  EXPECT_EQ(b[0], static_cast<char>(kWireFormat));
  EXPECT_EQ(b[1], '\x02');
  EXPECT_EQ(b[2], '\x01');
  EXPECT_EQ(b[3], '\0');
  EXPECT_EQ(b[9], '\x03');
  EXPECT_EQ(b[17], '\x01');  // kConfChange
  EXPECT_EQ(b.substr(18, 4), std::string("\x02\0\0\0", 4));
  EXPECT_EQ(b.substr(22), "hi");
  auto got = DecodeEntry(b);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, e);
}

TEST(RaftWire, BatchRoundTrips) {
  std::vector<Message> ms;
  for (MessageType t : kAllTypes) ms.push_back(Full(t));
  ms[3].entries.clear();
  ms[4].snapshot.voters.clear();
  auto got = DecodeMessages(EncodeMessages(ms));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), ms.size());
  for (size_t k = 0; k < ms.size(); ++k) EXPECT_TRUE(Same((*got)[k], ms[k]));
  auto none = DecodeMessages(EncodeMessages({}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(RaftWire, ConfChangeRoundTrips) {
  for (auto kind :
       {ConfChange::Kind::kAddVoter, ConfChange::Kind::kRemoveNode}) {
    ConfChange cc{kind, 42, std::string("10.0.0.1:8201\0x", 15)};
    auto got = DecodeConfChange(EncodeConfChange(cc));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, cc);
  }
}

TEST(RaftWire, RejectsUnknownFormatEnumsAndTrailingBytes) {
  std::string b = EncodeMessage(Full(MessageType::kAppend));
  std::string v = b;
  v[0] = 2;
  EXPECT_EQ(DecodeMessage(v).status().code(), StatusCode::kCorruption);
  v = b;
  v[1] = 9;  // one past kSnapshot
  EXPECT_EQ(DecodeMessage(v).status().code(), StatusCode::kCorruption);
  v = b;
  v[1 + 48 + 1] = 2;  // reject is a bool
  EXPECT_EQ(DecodeMessage(v).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeMessage(b + "x").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeMessage("").status().code(), StatusCode::kCorruption);

  std::string c = EncodeConfChange({ConfChange::Kind::kRemoveNode, 1, ""});
  c[1] = 2;
  EXPECT_EQ(DecodeConfChange(c).status().code(), StatusCode::kCorruption);
  std::string e = EncodeEntry({1, 1, Entry::Type::kNormal, ""});
  e[17] = 2;
  EXPECT_EQ(DecodeEntry(e).status().code(), StatusCode::kCorruption);
  // A message is not a batch and vice versa.
  EXPECT_FALSE(DecodeMessages(b).ok());
  EXPECT_FALSE(DecodeMessage(EncodeMessages({Full(MessageType::kVote)})).ok());
}

TEST(RaftWire, HugeCountsAreRefusedBeforeAllocating) {
  // A batch claiming 2^32-1 messages in a few bytes.
  std::string b = {static_cast<char>(kWireFormat), '\xff', '\xff', '\xff',
                   '\xff'};
  EXPECT_EQ(DecodeMessages(b).status().code(), StatusCode::kCorruption);
  // An entry whose data length exceeds the input.
  std::string e = EncodeEntry({1, 1, Entry::Type::kNormal, "abcd"});
  e[18] = '\xff';
  e[21] = '\x7f';
  EXPECT_EQ(DecodeEntry(e).status().code(), StatusCode::kCorruption);
  // A message claiming many voters.
  Message m;
  std::string mb = EncodeMessage(m);
  size_t voters_at = 1 + 1 + 6 * 8 + 1 + 8 + 16;
  mb[voters_at + 3] = '\x10';
  EXPECT_EQ(DecodeMessage(mb).status().code(), StatusCode::kCorruption);
}

TEST(RaftWire, EveryTruncationFails) {
  std::vector<Message> ms = {Full(MessageType::kAppend),
                             Full(MessageType::kSnapshot)};
  std::string batch = EncodeMessages(ms);
  for (size_t n = 0; n < batch.size(); ++n) {
    EXPECT_EQ(DecodeMessages(batch.substr(0, n)).status().code(),
              StatusCode::kCorruption)
        << n;
  }
  std::string one = EncodeMessage(ms[0]);
  for (size_t n = 0; n < one.size(); ++n) {
    EXPECT_FALSE(DecodeMessage(one.substr(0, n)).ok()) << n;
  }
  std::string e = EncodeEntry(ms[0].entries[0]);
  for (size_t n = 0; n < e.size(); ++n) {
    EXPECT_FALSE(DecodeEntry(e.substr(0, n)).ok()) << n;
  }
  std::string c = EncodeConfChange({ConfChange::Kind::kAddVoter, 7, "addr"});
  for (size_t n = 0; n < c.size(); ++n) {
    EXPECT_FALSE(DecodeConfChange(c.substr(0, n)).ok()) << n;
  }
}

// Random corruption must yield an error or some valid value; a decoded
// value must re-encode to exactly the input (the format is canonical).
TEST(RaftWire, RandomCorruptionNeverCrashes) {
  std::string batch = EncodeMessages(
      {Full(MessageType::kAppend), Full(MessageType::kHeartbeat)});
  std::string entry = EncodeEntry({5, 6, Entry::Type::kConfChange, "data"});
  std::string cc = EncodeConfChange({ConfChange::Kind::kAddVoter, 3, "ctx"});
  uint64_t s = 12345;
  auto next = [&s] {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return s >> 33;
  };
  int decoded = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string b = batch;
    std::string e = entry;
    std::string c = cc;
    int flips = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < flips; ++k) {
      b[next() % b.size()] = static_cast<char>(next());
      e[next() % e.size()] = static_cast<char>(next());
      c[next() % c.size()] = static_cast<char>(next());
    }
    if (auto got = DecodeMessages(b); got.ok()) {
      EXPECT_EQ(EncodeMessages(*got), b);
      ++decoded;
    }
    if (auto got = DecodeEntry(e); got.ok()) {
      EXPECT_EQ(EncodeEntry(*got), e);
    }
    if (auto got = DecodeConfChange(c); got.ok()) {
      EXPECT_EQ(EncodeConfChange(*got), c);
    }
  }
  EXPECT_GT(decoded, 0);  // flips inside integer fields still decode
}

}  // namespace
}  // namespace vk::raft
