#include "kit/snapshot/records.h"

#include <gtest/gtest.h>

#include <vector>

#include "kit/protowire/protowire.h"

namespace vk::snapshot {
namespace {

struct Seen {
  std::string key;
  uint64_t offset, length, value_size;
  std::string value;
};

Status Scan(const std::string& state, size_t piece, std::vector<Seen>* out,
            RecordScanner::Options opt = {}) {
  RecordScanner sc(state.size(), opt, [&](const StateRecord& r) {
    out->push_back({std::string(r.key), r.offset, r.length, r.value_size,
                    std::string(AsChars(r.value))});
    return Status::Ok();
  });
  for (size_t i = 0; i < state.size(); i += piece) {
    VK_RETURN_IF_ERROR(
        sc.Feed(AsBytes(std::string_view(state).substr(i, piece))));
  }
  return sc.Finish();
}

TEST(RecordsTest, MatchesReferenceExample) {
  // Reference §3: key core/seal-config (16 bytes) + 100-byte value is a
  // 120-byte message with the one-byte prefix 0x78.
  std::string rec;
  AppendRecord(&rec, "core/seal-config", std::string(100, 'v'));
  ASSERT_EQ(rec.size(), 121u);
  EXPECT_EQ(static_cast<uint8_t>(rec[0]), 0x78);
  EXPECT_EQ(rec.substr(1, 2), std::string("\x0a\x10", 2));
  EXPECT_EQ(static_cast<uint8_t>(rec[19]), 0x12);
  EXPECT_EQ(static_cast<uint8_t>(rec[20]), 100);
  EXPECT_EQ(RecordSize(16, 100), 121u);
}

TEST(RecordsTest, AnySplitGivesSameRecords) {
  std::string state;
  AppendRecord(&state, "a", "1");
  AppendRecord(&state, "logical/x/y", std::string(300, 'z'));  // 2-byte lens
  AppendRecord(&state, "empty-value", "");
  AppendRecord(&state, "z", "last");
  for (size_t piece : {1, 2, 3, 7, 64, 100000}) {
    std::vector<Seen> seen;
    ASSERT_TRUE(Scan(state, piece, &seen, {.keep_values = true}).ok());
    ASSERT_EQ(seen.size(), 4u);
    EXPECT_EQ(seen[1].key, "logical/x/y");
    EXPECT_EQ(seen[1].value, std::string(300, 'z'));
    EXPECT_EQ(seen[1].offset, seen[0].length);
    EXPECT_EQ(seen[2].value_size, 0u);
    EXPECT_EQ(seen[3].key, "z");
    EXPECT_EQ(seen[3].offset + seen[3].length, state.size());
  }
}

TEST(RecordsTest, RejectsLengthsItCannotBound) {
  std::vector<Seen> seen;
  // Record claims 200 bytes, only 3 remain.
  std::string s = "\xc8\x01\x0a\x01";
  Status st = Scan(s, 1, &seen);
  EXPECT_NE(st.message().find(
                "declares 200 bytes but only 2 bytes of state.bin remain"),
            std::string::npos)
      << st.message();
  // Varint overflow.
  st = Scan(std::string(11, '\xff'), 4, &seen);
  EXPECT_NE(st.message().find("overflows 64 bits"), std::string::npos);
  // Over Vault's MaxInt32.
  std::string big;
  protowire::AppendVarint(&big, uint64_t{1} << 31);
  RecordScanner sc(UINT64_MAX, {}, nullptr);
  st = sc.Feed(AsBytes(big));
  EXPECT_NE(st.message().find("more than Vault's limit"), std::string::npos);
  // Key field longer than the record.
  std::string k =
      "\x03\x0a\x05"
      "ab";
  st = Scan(k, 1, &seen);
  EXPECT_NE(st.message().find("field 1 declares 5 bytes but only 1 remain"),
            std::string::npos)
      << st.message();
  // Wrong wire type for the key.
  st = Scan(std::string("\x02\x08\x01", 3), 1, &seen);
  EXPECT_NE(st.message().find("wire type 0, expected 2"), std::string::npos);
  // Group wire type.
  st = Scan(std::string("\x02\x23\x01", 3), 1, &seen);
  EXPECT_NE(st.message().find("invalid protobuf wire type 3"),
            std::string::npos);
  // Invalid UTF-8 key.
  std::string u;
  AppendRecord(&u, "\xff\xfe", "v");
  st = Scan(u, 5, &seen);
  EXPECT_NE(st.message().find("not valid UTF-8"), std::string::npos);
}

// BoltDB refuses these keys, so Vault could not restore the snapshot.
TEST(RecordsTest, EmptyAndOversizedKeysAreRejected) {
  std::vector<Seen> seen;
  std::string empty;
  AppendRecord(&empty, "", "value");
  Status st = Scan(empty, 3, &seen);
  EXPECT_NE(st.message().find("the key is empty"), std::string::npos)
      << st.message();
  std::string big;
  AppendRecord(&big, std::string(32769, 'k'), "v");
  st = Scan(big, 1000, &seen);
  EXPECT_NE(st.message().find("key of 32769 bytes is longer than BoltDB's "
                              "limit of 32768 bytes"),
            std::string::npos)
      << st.message();
  std::string max;
  AppendRecord(&max, std::string(32768, 'k'), "v");
  EXPECT_TRUE(Scan(max, 1000, &seen).ok());
}

TEST(RecordsTest, TruncatedStreamFailsAtFinish) {
  std::string state;
  AppendRecord(&state, "key", "value");
  std::vector<Seen> seen;
  RecordScanner sc(UINT64_MAX, {}, nullptr);
  ASSERT_TRUE(sc.Feed(AsBytes(std::string_view(state).substr(0, 5))).ok());
  Status st = sc.Finish();
  EXPECT_NE(st.message().find("ends inside this record"), std::string::npos);
}

TEST(RecordsTest, UnknownFieldsAreSkipped) {
  // key "k", then field 9 (fixed64), then field 3 seal_wrap=1.
  std::string msg = std::string("\x0a\x01k", 3) + "\x49" + std::string(8, 'x') +
                    std::string("\x18\x01", 2);
  std::string state;
  protowire::AppendVarint(&state, msg.size());
  state += msg;
  bool wrapped = false;
  RecordScanner sc(state.size(), {}, [&](const StateRecord& r) {
    wrapped = r.seal_wrap;
    EXPECT_EQ(r.key, "k");
    return Status::Ok();
  });
  ASSERT_TRUE(sc.Feed(AsBytes(state)).ok());
  ASSERT_TRUE(sc.Finish().ok());
  EXPECT_TRUE(wrapped);
  EXPECT_EQ(sc.records(), 1u);
}

}  // namespace
}  // namespace vk::snapshot
