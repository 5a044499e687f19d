#include "minivault/fsm/command.h"

#include <gtest/gtest.h>

#include "kit/snapshot/records.h"
#include "minivault/fsm/state_codec.h"

namespace vk::fsm {
namespace {

Command Sample() {
  Command c;
  c.ops.push_back({Op::Kind::kPut, "core/seal-config", "{\"t\":3}"});
  c.ops.push_back({Op::Kind::kPut, "empty", ""});
  c.ops.push_back({Op::Kind::kPut, "bin", std::string("\0\xff\x80", 3)});
  c.ops.push_back({Op::Kind::kDelete, "core/lock", ""});
  c.ops.push_back({Op::Kind::kDeletePrefix, "logical/abc/", ""});
  c.ops.push_back({Op::Kind::kPut, "big", std::string(300, 'v')});
  return c;
}

TEST(CommandTest, RoundTrip) {
  Command c = Sample();
  auto d = DecodeCommand(EncodeCommand(c));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, c);

  auto empty = DecodeCommand(EncodeCommand(Command{}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->ops.empty());
}

TEST(CommandTest, ExactBytes) {
  Command c;
  c.ops.push_back({Op::Kind::kPut, "ab", "xyz"});
  c.ops.push_back({Op::Kind::kDelete, "q", "ignored"});
  EXPECT_EQ(EncodeCommand(c), std::string("\x01\x02"
                                          "\x01\x02"
                                          "ab\x03xyz"
                                          "\x02\x01q",
                                          13));
}

TEST(CommandTest, EveryTruncationIsRejected) {
  std::string enc = EncodeCommand(Sample());
  for (size_t n = 0; n < enc.size(); ++n) {
    auto d = DecodeCommand(std::string_view(enc).substr(0, n));
    ASSERT_FALSE(d.ok()) << "prefix of " << n << " bytes";
    EXPECT_EQ(d.status().code(), StatusCode::kCorruption);
  }
}

TEST(CommandTest, GarbageIsRejected) {
  auto bad = [](std::string s) {
    auto d = DecodeCommand(s);
    return !d.ok() && d.status().code() == StatusCode::kCorruption;
  };
  EXPECT_TRUE(bad(std::string("\x02\x00", 2)));           // version
  EXPECT_TRUE(bad(std::string("\x01\x01\x04\x01k", 5)));  // op kind 4
  EXPECT_TRUE(bad(std::string("\x01\x01\x00\x01k", 5)));  // op kind 0
  // A count far beyond the input must not allocate, just fail.
  EXPECT_TRUE(bad(std::string("\x01\xff\xff\xff\xff\x0f\x01\x01k", 9)));
  // A key length beyond the input.
  EXPECT_TRUE(bad(std::string("\x01\x01\x01\xff\xff\xff\xff\x0fk", 9)));
  // An 11-byte varint.
  EXPECT_TRUE(
      bad(std::string("\x01\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11)));
  // Trailing bytes.
  std::string enc = EncodeCommand(Sample());
  EXPECT_TRUE(bad(enc + "x"));
  // A delete carries no value, so a value after it is trailing garbage.
  EXPECT_TRUE(bad(std::string("\x01\x01\x02\x01k\x01v", 7)));
}

TEST(StateCodecTest, RecordMatchesSnapshotEncoder) {
  for (auto [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"core/seal-config", std::string(100, 'v')},
           {"k", ""},
           {std::string(200, 'k'), std::string(70000, 'x')}}) {
    std::string mine, theirs, header;
    AppendStateRecord(&mine, k, v);
    snapshot::AppendRecord(&theirs, k, v);
    EXPECT_EQ(mine, theirs);
    EXPECT_EQ(StateRecordSize(k.size(), v.size()), mine.size());
    AppendStateRecordHeader(&header, k, v.size());
    EXPECT_EQ(header + v, mine);
  }
  std::string rec;
  AppendStateRecord(&rec, "core/seal-config", std::string(100, 'v'));
  EXPECT_EQ(rec.substr(0, 3), "\x78\x0a\x10");
}

TEST(StateCodecTest, IndexValue) {
  IndexValue v{.term = 3, .index = 300};
  EXPECT_EQ(EncodeIndexValue(v), std::string("\x08\x03\x10\xac\x02", 5));
  auto d = DecodeIndexValue(EncodeIndexValue(v));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, v);
  EXPECT_EQ(EncodeIndexValue({}), "");
  EXPECT_FALSE(DecodeIndexValue(std::string("\x08", 1)).ok());
  EXPECT_FALSE(DecodeIndexValue(std::string("\x0a\x05x", 3)).ok());
}

TEST(StateCodecTest, ConfigurationValue) {
  Configuration c;
  c.index = 7;
  c.servers.push_back({0, "node1", "10.0.0.1:8201"});
  c.servers.push_back({2, "node2", "10.0.0.2:8201"});
  std::string enc = EncodeConfigurationValue(c);
  EXPECT_EQ(enc.substr(0, 4), std::string("\x08\x07\x12\x16", 4));
  auto d = DecodeConfigurationValue(enc);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, c);
  // An all-default server survives as an element.
  Configuration one{.servers = {{}}};
  auto d1 = DecodeConfigurationValue(EncodeConfigurationValue(one));
  ASSERT_TRUE(d1.ok());
  EXPECT_EQ(d1->servers.size(), 1u);
  // Cuts inside the first server (bytes 2..25) must fail; cuts between
  // fields are valid shorter messages in protobuf.
  for (size_t n = 3; n < 26; ++n) {
    EXPECT_FALSE(DecodeConfigurationValue(enc.substr(0, n)).ok()) << n;
  }
}

}  // namespace
}  // namespace vk::fsm
