#include "vaultkeep/chunker/chunker.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>

namespace vk::chunker {
namespace {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = rng();
    std::memcpy(s.data() + i, &v, std::min<size_t>(8, n - i));
  }
  return s;
}

GearTable Gear(char c = 'k') {
  std::string secret(32, c);
  return GearTable::FromSecret(AsBytes(secret));
}

std::vector<std::string> ChunkAll(const GearTable& g, const Params& p,
                                  std::string_view data, size_t piece,
                                  bool aligned = false,
                                  const std::vector<uint64_t>& bounds = {}) {
  std::vector<std::string> out;
  Chunker c(&g, p, aligned, [&](std::string s) {
    out.push_back(std::move(s));
    return Status::Ok();
  });
  size_t bi = 0;
  for (size_t off = 0; off < data.size(); off += piece) {
    size_t n = std::min(piece, data.size() - off);
    // Boundaries are known up to the end of the piece (as RecordScanner
    // reports records before the piece's bytes reach the chunker).
    while (bi < bounds.size() && bounds[bi] <= off + n)
      c.AddBoundary(bounds[bi++]);
    EXPECT_TRUE(c.Feed(AsBytes(data.substr(off, n))).ok());
  }
  EXPECT_TRUE(c.Finish().ok());
  return out;
}

TEST(ChunkerTest, ParamsValidation) {
  EXPECT_TRUE(ParamsForAverage(8 << 10).ok());
  EXPECT_TRUE(ParamsForAverage(64 << 10).ok());
  EXPECT_FALSE(ParamsForAverage(2 << 10).ok());
  EXPECT_FALSE(ParamsForAverage(128 << 10).ok());
  auto bad = ParamsForAverage(10000);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("power of two"), std::string::npos);
}

TEST(ChunkerTest, ConcatenationIsInputAndSizesRespectLimits) {
  Params p = *ParamsForAverage(8 << 10);
  GearTable g = Gear();
  std::string data = RandomBytes(4 << 20, 1);
  auto chunks = ChunkAll(g, p, data, 65536);
  std::string joined;
  for (size_t i = 0; i < chunks.size(); ++i) {
    joined += chunks[i];
    if (i + 1 < chunks.size()) {
      EXPECT_GE(chunks[i].size(), p.min_size);
      EXPECT_LE(chunks[i].size(), p.max_size);
    }
  }
  EXPECT_EQ(joined, data);
  double avg = double(data.size()) / chunks.size();
  // Normalized chunking keeps the mean near the configured average.
  EXPECT_GT(avg, 0.7 * p.avg_size);
  EXPECT_LT(avg, 1.6 * p.avg_size);
}

TEST(ChunkerTest, BoundariesIndependentOfPieceSize) {
  Params p = *ParamsForAverage(4 << 10);
  GearTable g = Gear();
  std::string data = RandomBytes(1 << 20, 2);
  auto a = ChunkAll(g, p, data, 1 << 20);
  auto b = ChunkAll(g, p, data, 1);
  auto c = ChunkAll(g, p, data, 4097);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(ChunkerTest, KeyChangesBoundaries) {
  Params p = *ParamsForAverage(4 << 10);
  std::string data = RandomBytes(1 << 20, 3);
  GearTable g1 = Gear('a'), g2 = Gear('b');
  auto a = ChunkAll(g1, p, data, 65536);
  auto b = ChunkAll(g2, p, data, 65536);
  EXPECT_NE(a.size() == b.size() && a == b, true);
}

TEST(ChunkerTest, ResynchronisesAfterInsertion) {
  Params p = *ParamsForAverage(4 << 10);
  GearTable g = Gear();
  std::string data = RandomBytes(1 << 20, 4);
  std::string edited = data;
  edited.insert(300000, "inserted bytes");
  auto a = ChunkAll(g, p, data, 65536);
  auto b = ChunkAll(g, p, edited, 65536);
  std::set<std::string> sa(a.begin(), a.end());
  size_t shared = 0;
  for (const auto& c : b) shared += sa.count(c);
  // One or two chunks around the edit differ; the rest are shared.
  EXPECT_GE(shared + 3, b.size());
}

TEST(ChunkerTest, EmptyAndTinyStreams) {
  Params p = *ParamsForAverage(4 << 10);
  GearTable g = Gear();
  EXPECT_TRUE(ChunkAll(g, p, "", 10).empty());
  auto one = ChunkAll(g, p, "abc", 10);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0], "abc");
}

// Records of 100..1900 bytes; every chunk must end on a record boundary.
TEST(ChunkerTest, RecordAlignedCutsOnlyAtRecordEnds) {
  Params p = *ParamsForAverage(4 << 10);
  GearTable g = Gear();
  std::mt19937_64 rng(5);
  std::vector<uint64_t> bounds;
  uint64_t off = 0;
  while (off < (2 << 20)) {
    off += 100 + rng() % 1800;
    bounds.push_back(off);
  }
  std::string data = RandomBytes(off, 6);
  for (size_t piece : {size_t{1} << 18, size_t{777}}) {
    auto chunks = ChunkAll(g, p, data, piece, true, bounds);
    std::set<uint64_t> bset(bounds.begin(), bounds.end());
    uint64_t pos = 0;
    std::string joined;
    for (const auto& c : chunks) {
      pos += c.size();
      joined += c;
      EXPECT_TRUE(bset.count(pos)) << "cut at " << pos;
      EXPECT_GE(c.size(), p.min_size);
    }
    EXPECT_EQ(joined, data);
  }
}

// A record changed in place (same length) dirties its chunk and, while the
// cut points re-synchronise, a few after it; never the whole stream.
TEST(ChunkerTest, RecordAlignedRewriteDirtiesOneChunk) {
  Params p = *ParamsForAverage(4 << 10);
  GearTable g = Gear();
  std::mt19937_64 rng(7);
  std::vector<uint64_t> bounds;
  uint64_t off = 0;
  while (off < (1 << 20)) {
    off += 200 + rng() % 1000;
    bounds.push_back(off);
  }
  std::string data = RandomBytes(off, 8);
  std::string edited = data;
  uint64_t rec_start = bounds[400], rec_end = bounds[401];
  for (uint64_t i = rec_start; i < rec_end; ++i) edited[i] ^= 0x5a;
  auto a = ChunkAll(g, p, data, 65536, true, bounds);
  auto b = ChunkAll(g, p, edited, 65536, true, bounds);
  std::set<std::string> sa(a.begin(), a.end());
  size_t differ = 0;
  for (const auto& c : b) differ += !sa.count(c);
  EXPECT_LE(differ, 8u);
  EXPECT_GE(differ, 1u);
  EXPECT_GT(b.size(), 150u);
}

TEST(ChunkerTest, RecordLongerThanHardMaxIsCutInside) {
  Params p = *ParamsForAverage(4 << 10);
  GearTable g = Gear();
  std::string data = RandomBytes(p.hard_max_size * 3, 9);
  std::vector<uint64_t> bounds = {data.size()};
  auto chunks = ChunkAll(g, p, data, 65536, true, bounds);
  for (const auto& c : chunks) EXPECT_LE(c.size(), p.hard_max_size);
  EXPECT_GE(chunks.size(), 3u);
}

}  // namespace
}  // namespace vk::chunker
