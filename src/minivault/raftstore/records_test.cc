#include "minivault/raftstore/records.h"

#include <gtest/gtest.h>

#include <string>

namespace vk::raftstore {
namespace {

using raft::Entry;

std::string Hex(std::string_view s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string EncodeEntry(const Entry& e) {
  std::string out(EntryRecordSize(e), '\0');
  EncodeEntryRecord(e, out.data());
  return out;
}

// The expected bytes were computed independently (Python's struct and
// zlib.crc32) from docs/raftstore.md; they pin the on-disk format.
TEST(Records, EntryGolden) {
  Entry e{
      .index = 1, .term = 2, .type = Entry::Type::kConfChange, .data = "ab"};
  EXPECT_EQ(Hex(KeyView(MakeEntryKey(1))), "0000000000000001");
  std::string v = EncodeEntry(e);
  EXPECT_EQ(Hex(v), "01010000000000000002616254b65f5b");
  auto d = DecodeEntryRecord(KeyView(MakeEntryKey(1)), v);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->index, 1u);
  EXPECT_EQ(d->term, 2u);
  EXPECT_EQ(d->type, Entry::Type::kConfChange);
  EXPECT_EQ(d->data, "ab");
}

TEST(Records, HardStateGolden) {
  std::string v = EncodeHardState({.term = 3, .vote = 2, .commit = 1});
  EXPECT_EQ(Hex(v),
            "01000000000000000300000000000000020000000000000001462fdd15");
  auto d = DecodeHardState(v);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, (raft::HardState{.term = 3, .vote = 2, .commit = 1}));
}

TEST(Records, BaseGolden) {
  LogBase b{.index = 5, .term = 3, .voters = {1, 2}};
  std::string v = EncodeBase(b);
  EXPECT_EQ(Hex(v),
            "0100000000000000050000000000000003000000020000000000000001000000"
            "0000000002c61fb4c5");
  auto d = DecodeBase(v);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, b);
  auto empty = DecodeBase(EncodeBase({}));
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, LogBase{});
}

TEST(Records, EntryDamageIsCorruption) {
  Entry e{.index = 7, .term = 1, .data = "payload"};
  std::string v = EncodeEntry(e);
  std::string key(KeyView(MakeEntryKey(7)));
  auto code = [](const Result<EntryView>& r) { return r.status().code(); };
  EXPECT_TRUE(DecodeEntryRecord(key, v).ok());
  EXPECT_EQ(code(DecodeEntryRecord(key.substr(1), v)), StatusCode::kCorruption);
  EXPECT_EQ(code(DecodeEntryRecord(KeyView(MakeEntryKey(8)), v)),
            StatusCode::kCorruption);
  EXPECT_EQ(code(DecodeEntryRecord(key, v.substr(0, 13))),
            StatusCode::kCorruption);
  EXPECT_EQ(code(DecodeEntryRecord(key, "")), StatusCode::kCorruption);
  for (size_t i = 0; i < v.size(); ++i) {
    std::string bad = v;
    bad[i] ^= 1;
    EXPECT_EQ(code(DecodeEntryRecord(key, bad)), StatusCode::kCorruption) << i;
  }
  // Well-formed records with values the store never writes.
  for (const Entry& odd :
       {Entry{.index = 7, .term = 0},
        Entry{.index = 7, .term = 1, .type = static_cast<Entry::Type>(2)}}) {
    EXPECT_EQ(code(DecodeEntryRecord(key, EncodeEntry(odd))),
              StatusCode::kCorruption);
  }
}

TEST(Records, MetaDamageIsCorruption) {
  std::string hs = EncodeHardState({.term = 1});
  EXPECT_EQ(DecodeHardState(hs.substr(0, hs.size() - 1)).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DecodeHardState(hs + "x").status().code(), StatusCode::kCorruption);
  std::string newer = hs;
  newer[0] = 2;
  Status st = DecodeHardState(newer).status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("unknown version 2"), std::string::npos)
      << st.message();

  std::string base = EncodeBase({.index = 4, .term = 2, .voters = {1, 2, 3}});
  for (size_t i = 0; i < base.size(); ++i) {
    std::string bad = base;
    bad[i] ^= 1;
    EXPECT_EQ(DecodeBase(bad).status().code(), StatusCode::kCorruption) << i;
  }
  EXPECT_EQ(DecodeBase(EncodeBase({.index = 4})).status().code(),
            StatusCode::kCorruption);
  EXPECT_EQ(DecodeBase(EncodeBase({.term = 4})).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace vk::raftstore
