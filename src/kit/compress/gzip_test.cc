#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "kit/compress/gzip_sink.h"
#include "kit/compress/gzip_source.h"

namespace vk {
namespace {

std::string Data(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  uint64_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    // Half random, half text: exercises both stored and Huffman blocks.
    s[i] =
        (i / 4096) % 2 ? static_cast<char>(x >> 56) : "vault/logical/"[i % 14];
  }
  return s;
}

std::string Gzip(const std::string& in, int level) {
  StringSink out;
  auto gz = GzipSink::Create(&out, level);
  EXPECT_TRUE(gz.ok());
  EXPECT_TRUE((*gz)->Write(AsBytes(in)).ok());
  EXPECT_TRUE((*gz)->Close().ok());
  return out.data();
}

Result<std::string> Gunzip(const std::string& in, InflateEngine e) {
  MemorySource src(in);
  auto gz = GzipSource::Create(&src, e);
  StringSink out;
  VK_ASSIGN_OR_RETURN(uint64_t n, Copy(*gz, out));
  (void)n;
  return out.data();
}

class GzipTest : public ::testing::TestWithParam<InflateEngine> {};

TEST_P(GzipTest, RoundTripAllLevels) {
  std::string data = Data(300000, 7);
  for (int level : {0, 1, 6, 9}) {
    std::string gz = Gzip(data, level);
    // Go's header: no name, mtime 0, OS 255, XFL by level.
    ASSERT_GE(gz.size(), 18u);
    EXPECT_EQ(static_cast<uint8_t>(gz[3]), 0);
    EXPECT_EQ(static_cast<uint8_t>(gz[9]), 0xff);
    EXPECT_EQ(static_cast<uint8_t>(gz[8]),
              level == 9 ? 2 : (level == 1 ? 4 : 0));
    auto back = Gunzip(gz, GetParam());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, data);
  }
}

TEST_P(GzipTest, EmptyPayload) {
  auto back = Gunzip(Gzip("", 6), GetParam());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "");
}

TEST_P(GzipTest, ConcatenatedMembersAreOneStream) {
  auto back = Gunzip(Gzip("abc", 6) + Gzip("def", 1), GetParam());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, "abcdef");
}

TEST_P(GzipTest, RejectsNonGzip) {
  auto r = Gunzip("PK\x03\x04 not gzip", GetParam());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("not a gzip stream"), std::string::npos);
  EXPECT_NE(Gunzip("", GetParam()).status().message().find("empty"),
            std::string::npos);
}

TEST_P(GzipTest, RejectsTruncationAtEveryRegion) {
  std::string gz = Gzip(Data(50000, 3), 6);
  for (size_t cut : {size_t{5}, size_t{10}, size_t{100}, gz.size() / 2,
                     gz.size() - 8, gz.size() - 1}) {
    auto r = Gunzip(gz.substr(0, cut), GetParam());
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  }
}

TEST_P(GzipTest, TruncationAfterFirstMagicByteIsTruncation) {
  // One byte of a gzip stream used to be reported as "not a gzip stream
  // (it does not start with the gzip magic bytes 1f 8b)".
  std::string gz = Gzip("payload", 6);
  for (size_t cut : {size_t{1}, size_t{2}, size_t{9}}) {
    auto r = Gunzip(gz.substr(0, cut), GetParam());
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
    EXPECT_NE(
        r.status().message().find("gzip stream is truncated: it ends "
                                  "after " +
                                  std::to_string(cut) + " compressed bytes"),
        std::string::npos)
        << r.status().message();
  }
  // A lone 1f that does not start the input is still trailing garbage.
  auto r = Gunzip(gz + "\x1f", GetParam());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1 bytes of unexpected data"),
            std::string::npos)
      << r.status().message();
}

TEST_P(GzipTest, RejectsBadCrc) {
  std::string gz = Gzip(Data(10000, 5), 6);
  gz[gz.size() - 6] ^= 0x40;  // inside the CRC-32
  auto r = Gunzip(gz, GetParam());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("CRC-32"), std::string::npos)
      << r.status().message();
}

TEST_P(GzipTest, RejectsTrailingGarbage) {
  auto r = Gunzip(Gzip("payload", 6) + "garbage!", GetParam());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("8 bytes of unexpected data after the "
                                      "end of the gzip stream"),
            std::string::npos)
      << r.status().message();
}

INSTANTIATE_TEST_SUITE_P(Engines, GzipTest,
                         ::testing::Values(InflateEngine::kIsal,
                                           InflateEngine::kZlib));

TEST(GzipSinkTest, RejectsBadLevel) {
  StringSink out;
  EXPECT_EQ(GzipSink::Create(&out, 10).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vk
