#include "kit/base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace vk::utf8 {
namespace {

std::string Encode(char32_t cp) {
  std::string out;
  Append(cp, &out);
  return out;
}

TEST(Utf8Test, DecodesEachLength) {
  struct Case {
    std::string bytes;
    char32_t cp;
  };
  for (const Case& c : {
           Case{"A", U'A'},
           Case{std::string(1, '\0'), 0},
           Case{"\x7f", 0x7f},
           Case{"\xc2\x80", 0x80},
           Case{"\xc3\xa9", 0xe9},
           Case{"\xdf\xbf", 0x7ff},
           Case{"\xe0\xa0\x80", 0x800},
           Case{"\xed\x9f\xbf", 0xd7ff},
           Case{"\xee\x80\x80", 0xe000},
           Case{"\xef\xbf\xbd", 0xfffd},
           Case{"\xef\xbf\xbf", 0xffff},
           Case{"\xf0\x90\x80\x80", 0x10000},
           Case{"\xf0\x9f\x98\x80", 0x1f600},
           Case{"\xf4\x8f\xbf\xbf", 0x10ffff},
       }) {
    Decoded d = Decode(c.bytes + "tail");
    EXPECT_TRUE(d.ok()) << c.bytes;
    EXPECT_EQ(d.code_point, c.cp) << c.bytes;
    EXPECT_EQ(d.width, c.bytes.size()) << c.bytes;
    EXPECT_EQ(Encode(c.cp), c.bytes);
  }
}

TEST(Utf8Test, NamesEachInvalidClassAndConsumesOneByte) {
  struct Case {
    std::string bytes;
    Error error;
  };
  for (const Case& c : {
           Case{"\x80", Error::kBadLeadByte},
           Case{"\xbf\x80", Error::kBadLeadByte},
           Case{"\xf8\x88\x80\x80\x80", Error::kBadLeadByte},
           Case{"\xff", Error::kBadLeadByte},
           Case{"\xc0\x80", Error::kOverlong},  // U+0000 in two bytes
           Case{"\xc1\xbf", Error::kOverlong},
           Case{"\xe0\x9f\xbf", Error::kOverlong},      // U+07FF in three
           Case{"\xf0\x8f\xbf\xbf", Error::kOverlong},  // U+FFFF in four
           Case{"\xed\xa0\x80", Error::kSurrogate},     // U+D800
           Case{"\xed\xbf\xbf", Error::kSurrogate},     // U+DFFF
           Case{"\xf4\x90\x80\x80", Error::kTooLarge},  // U+110000
           Case{"\xf5\x80\x80\x80", Error::kTooLarge},
           Case{"\xf7\xbf\xbf\xbf", Error::kTooLarge},
           Case{"\xc3"
                "A",
                Error::kBadContinuation},
           Case{"\xe2\x82(", Error::kBadContinuation},
           Case{"\xf0\x9f\x98\xc0", Error::kBadContinuation},
           Case{"\xc3", Error::kTruncated},
           Case{"\xe2\x82", Error::kTruncated},
           Case{"\xf0\x9f\x98", Error::kTruncated},
       }) {
    Decoded d = Decode(c.bytes);
    EXPECT_FALSE(d.ok()) << testing::PrintToString(c.bytes);
    EXPECT_EQ(d.error, c.error) << testing::PrintToString(c.bytes);
    EXPECT_EQ(d.code_point, kReplacement);
    EXPECT_EQ(d.width, 1u);
    EXPECT_FALSE(IsValid(c.bytes));
    EXPECT_FALSE(IsValid("ok " + c.bytes + " ok"));
  }
  Decoded empty = Decode("");
  EXPECT_EQ(empty.error, Error::kEmpty);
  EXPECT_EQ(empty.width, 0u);
}

// Every scalar value encodes and decodes back; the others encode as U+FFFD.
TEST(Utf8Test, AppendRoundTripsEveryScalarValue) {
  for (char32_t cp = 0; cp <= kMaxCodePoint + 1; ++cp) {
    std::string bytes = Encode(cp);
    Decoded d = Decode(bytes);
    ASSERT_TRUE(d.ok()) << static_cast<uint32_t>(cp);
    ASSERT_EQ(d.width, bytes.size()) << static_cast<uint32_t>(cp);
    ASSERT_EQ(d.code_point, IsScalarValue(cp) ? cp : kReplacement)
        << static_cast<uint32_t>(cp);
  }
  EXPECT_EQ(Encode(0xd800), "\xef\xbf\xbd");
  EXPECT_EQ(Encode(0x110000), "\xef\xbf\xbd");
  EXPECT_EQ(Encode(0xffffffff), "\xef\xbf\xbd");
}

// Only the shortest form of a scalar value decodes: every accepted 2- and
// 3-byte sequence is exactly what Append writes for its code point.
TEST(Utf8Test, AcceptsOnlyCanonicalSequences) {
  int accepted = 0;
  for (int b0 = 0xc0; b0 <= 0xef; ++b0) {
    for (int b1 = 0; b1 <= 0xff; ++b1) {
      for (int b2 = 0; b2 <= 0xff; ++b2) {
        std::string s = {static_cast<char>(b0), static_cast<char>(b1),
                         static_cast<char>(b2)};
        Decoded d = Decode(s);
        if (!d.ok()) continue;
        ++accepted;
        ASSERT_EQ(Encode(d.code_point), s.substr(0, d.width));
      }
    }
  }
  // U+0080-U+07FF in two bytes (each with any of 256 third bytes), and
  // U+0800-U+FFFF in three less the 2048 surrogates.
  EXPECT_EQ(accepted, (0x800 - 0x80) * 256 + (0x10000 - 0x800) - 0x800);
}

TEST(Utf8Test, IsValid) {
  EXPECT_TRUE(IsValid(""));
  EXPECT_TRUE(IsValid("plain ascii"));
  EXPECT_TRUE(IsValid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValid("caf\xc3"));
}

}  // namespace
}  // namespace vk::utf8
