#include "kit/protowire/protowire.h"

#include <gtest/gtest.h>

#include <limits>

namespace vk::protowire {
namespace {

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

std::string EncodeVarint(uint64_t v) {
  std::string s;
  AppendVarint(&s, v);
  return s;
}

TEST(ProtowireTest, VarintKnownEncodings) {
  EXPECT_EQ(EncodeVarint(0), Bytes({0x00}));
  EXPECT_EQ(EncodeVarint(1), Bytes({0x01}));
  EXPECT_EQ(EncodeVarint(127), Bytes({0x7f}));
  EXPECT_EQ(EncodeVarint(128), Bytes({0x80, 0x01}));
  EXPECT_EQ(EncodeVarint(300), Bytes({0xac, 0x02}));
  EXPECT_EQ(
      EncodeVarint(std::numeric_limits<uint64_t>::max()),
      Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(ProtowireTest, VarintRoundTripsAndSizes) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 16383, 16384};
  for (int bit = 0; bit < 64; ++bit) {
    uint64_t p = uint64_t{1} << bit;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  values.push_back(std::numeric_limits<uint64_t>::max());
  for (uint64_t v : values) {
    std::string s = EncodeVarint(v);
    EXPECT_EQ(s.size(), VarintSize(v)) << v;
    EXPECT_LE(s.size(), kMaxVarintSize);
    Reader r(s, "test");
    auto got = r.Varint();
    ASSERT_TRUE(got.ok()) << v << ": " << got.status().ToString();
    EXPECT_EQ(*got, v);
    EXPECT_TRUE(r.done());
  }
}

TEST(ProtowireTest, NonMinimalVarintIsAccepted) {
  std::string s = Bytes({0x81, 0x80, 0x00});
  Reader r(s, "test");
  auto got = r.Varint();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, 1u);
  EXPECT_TRUE(r.done());
}

struct BadVarint {
  std::string bytes;
  WireError want;
};

TEST(ProtowireTest, MalformedVarints) {
  std::vector<BadVarint> cases = {
      {"", WireError::kTruncatedVarint},
      {Bytes({0x80}), WireError::kTruncatedVarint},
      {Bytes({0xff, 0xff, 0xff}), WireError::kTruncatedVarint},
      // Tenth byte 0x02: a 65-bit value.
      {Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}),
       WireError::kVarintOverflow},
      // Tenth byte with a continuation bit: eleven bytes.
      {Bytes(
           {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}),
       WireError::kVarintOverflow},
  };
  for (const BadVarint& c : cases) {
    Reader r(c.bytes, "msg");
    auto got = r.Varint();
    ASSERT_FALSE(got.ok()) << c.bytes.size();
    EXPECT_EQ(got.status().code(), StatusCode::kCorruption);
    EXPECT_EQ(r.error(), c.want) << c.bytes.size();
    EXPECT_EQ(got.status().message().rfind("msg: ", 0), 0u)
        << got.status().message();
  }
}

TEST(ProtowireTest, ParseVarintLeavesPositionOnFailure) {
  std::string s = Bytes({0x05, 0x80});
  size_t pos = 0;
  uint64_t v = 0;
  EXPECT_EQ(ParseVarint(s, &pos, &v), VarintParse::kOk);
  EXPECT_EQ(v, 5u);
  EXPECT_EQ(pos, 1u);
  EXPECT_EQ(ParseVarint(s, &pos, &v), VarintParse::kTruncated);
  EXPECT_EQ(pos, 1u);
}

TEST(ProtowireTest, VarintDecoderByteByByte) {
  for (uint64_t v : {uint64_t{0}, uint64_t{300}, uint64_t{1} << 63,
                     std::numeric_limits<uint64_t>::max()}) {
    std::string s = EncodeVarint(v) + EncodeVarint(7);
    VarintDecoder d;
    uint64_t got = 0;
    size_t i = 0;
    while (d.Push(static_cast<uint8_t>(s[i++]), &got) ==
           VarintDecoder::Step::kMore) {
      EXPECT_TRUE(d.started());
    }
    EXPECT_EQ(got, v);
    EXPECT_EQ(i, VarintSize(v));
    // It starts over for the next varint.
    EXPECT_FALSE(d.started());
    EXPECT_EQ(d.Push(static_cast<uint8_t>(s[i]), &got),
              VarintDecoder::Step::kDone);
    EXPECT_EQ(got, 7u);
  }
}

TEST(ProtowireTest, VarintDecoderOverflow) {
  VarintDecoder d;
  uint64_t got = 99;
  for (int k = 0; k < 9; ++k) {
    ASSERT_EQ(d.Push(0xff, &got), VarintDecoder::Step::kMore);
  }
  EXPECT_EQ(d.Push(0x02, &got), VarintDecoder::Step::kOverflow);
  EXPECT_EQ(got, 99u);
  EXPECT_FALSE(d.started());
}

TEST(ProtowireTest, FieldsRoundTrip) {
  std::string msg;
  Writer w(&msg);
  w.VarintField(1, 150);
  w.BytesField(2, "testing");
  w.Fixed32Field(3, 0xdeadbeef);
  w.Fixed64Field(4, 0x0123456789abcdefULL);
  w.BytesField(kMaxFieldNumber, "");
  // The classic example from the protobuf documentation: field 1 = 150.
  EXPECT_EQ(msg.substr(0, 3), Bytes({0x08, 0x96, 0x01}));

  Reader r(msg, "test");
  auto f = r.Next();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->number, 1u);
  EXPECT_EQ(*r.VarintOf(*f), 150u);
  f = r.Next();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->number, 2u);
  EXPECT_EQ(*r.BytesOf(*f), "testing");
  f = r.Next();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->type, WireType::kFixed32);
  EXPECT_EQ(*r.Fixed32(), 0xdeadbeefu);
  f = r.Next();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->type, WireType::kFixed64);
  EXPECT_EQ(*r.Fixed64(), 0x0123456789abcdefULL);
  f = r.Next();
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->number, kMaxFieldNumber);
  EXPECT_EQ(*r.BytesOf(*f), "");
  EXPECT_TRUE(r.done());
}

TEST(ProtowireTest, FixedFieldsAreLittleEndian) {
  std::string s;
  Writer w(&s);
  w.Fixed32(0x01020304);
  w.Fixed64(0x0102030405060708ULL);
  EXPECT_EQ(s, Bytes({4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1}));
}

TEST(ProtowireTest, ImplicitFieldsOmitDefaults) {
  std::string s;
  Writer w(&s);
  w.ImplicitVarintField(1, 0);
  w.ImplicitBytesField(2, "");
  EXPECT_EQ(s, "");
  w.ImplicitVarintField(1, 1);
  w.ImplicitBytesField(2, "x");
  EXPECT_EQ(s, Bytes({0x08, 0x01, 0x12, 0x01, 'x'}));
}

TEST(ProtowireTest, BytesFieldHeaderAndSize) {
  std::string value(300, 'v');
  std::string whole, split;
  Writer(&whole).BytesField(20, value);
  Writer(&split).BytesFieldHeader(20, value.size());
  split += value;
  EXPECT_EQ(whole, split);
  EXPECT_EQ(whole.size(), LengthDelimitedFieldSize(20, value.size()));
  std::string lp;
  Writer(&lp).LengthPrefixed("ab");
  EXPECT_EQ(lp,
            "\x02"
            "ab");
}

TEST(ProtowireTest, SkipsUnknownFieldsOfEveryType) {
  std::string msg;
  Writer w(&msg);
  w.VarintField(7, 1ULL << 40);
  w.Fixed64Field(8, 1);
  w.BytesField(9, "skipped");
  w.Fixed32Field(10, 1);
  w.VarintField(1, 42);
  Reader r(msg, "test");
  uint64_t got = 0;
  while (!r.done()) {
    auto f = r.Next();
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    if (f->number == 1) {
      got = *r.VarintOf(*f);
    } else {
      ASSERT_TRUE(r.Skip(f->type).ok());
    }
  }
  EXPECT_EQ(got, 42u);
}

struct BadMessage {
  const char* name;
  std::string bytes;
  WireError want;
};

// Reads every field of `bytes`, skipping the unknown ones, and returns the
// first error.
WireError ReadAll(const std::string& bytes, Status* st) {
  Reader r(bytes, "msg");
  while (!r.done()) {
    auto f = r.Next();
    if (!f.ok()) {
      *st = f.status();
      return r.error();
    }
    *st = f->number == 1   ? r.VarintOf(*f).status()
          : f->number == 2 ? r.BytesOf(*f).status()
                           : r.Skip(f->type);
    if (!st->ok()) return r.error();
  }
  *st = Status::Ok();
  return r.error();
}

TEST(ProtowireTest, MalformedMessages) {
  std::vector<BadMessage> cases = {
      {"field number 0", Bytes({0x00, 0x01}), WireError::kBadFieldNumber},
      {"field number 2^29", Bytes({0x80, 0x80, 0x80, 0x80, 0x10, 0x00}),
       WireError::kBadFieldNumber},
      {"wire type 6", Bytes({0x0e}), WireError::kUnknownWireType},
      {"wire type 7", Bytes({0x0f}), WireError::kUnknownWireType},
      {"start group", Bytes({0x1b}), WireError::kUnknownWireType},
      {"end group", Bytes({0x1c}), WireError::kUnknownWireType},
      {"truncated tag", Bytes({0x88}), WireError::kTruncatedVarint},
      {"truncated value", Bytes({0x08, 0x80}), WireError::kTruncatedVarint},
      {"overlong value",
       Bytes(
           {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}),
       WireError::kVarintOverflow},
      {"length past end", Bytes({0x12, 0x05, 'a', 'b'}),
       WireError::kLengthPastEnd},
      {"huge length",
       Bytes(
           {0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}),
       WireError::kLengthPastEnd},
      {"truncated fixed64", Bytes({0x19, 1, 2, 3, 4, 5, 6, 7}),
       WireError::kTruncatedFixed},
      {"truncated fixed32", Bytes({0x1d, 1, 2, 3}), WireError::kTruncatedFixed},
      {"known varint field as bytes", Bytes({0x0a, 0x00}),
       WireError::kUnexpectedWireType},
      {"known bytes field as varint", Bytes({0x10, 0x00}),
       WireError::kUnexpectedWireType},
  };
  for (const BadMessage& c : cases) {
    Status st;
    EXPECT_EQ(ReadAll(c.bytes, &st), c.want) << c.name;
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << c.name;
    EXPECT_NE(st.message().find(" at offset "), std::string::npos)
        << st.message();
  }
}

TEST(ProtowireTest, ErrorsNameTheMessageAndOffset) {
  std::string s = Bytes({0x08, 0x01, 0x12, 0x09, 'x'});
  Status st;
  ReadAll(s, &st);
  EXPECT_EQ(st.message(), "msg: length 9 runs past the end at offset 4");
}

TEST(ProtowireTest, FixedReadsOfExactlyTheRemainingBytes) {
  std::string s = Bytes({1, 0, 0, 0});
  Reader r(s, "t");
  EXPECT_EQ(*r.Fixed32(), 1u);
  EXPECT_TRUE(r.done());
  Reader empty("", "t");
  EXPECT_FALSE(empty.Fixed64().ok());
  EXPECT_EQ(empty.error(), WireError::kTruncatedFixed);
}

}  // namespace
}  // namespace vk::protowire
