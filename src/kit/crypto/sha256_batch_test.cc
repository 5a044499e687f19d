#include "kit/crypto/sha256_batch.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace vk {
namespace {

TEST(Sha256BatchTest, MatchesOpenSslOnEveryLengthAroundPadding) {
  std::mt19937_64 rng(7);
  std::vector<std::string> msgs;
  // 0..200 covers one- and two-block tails; then chunk-like sizes.
  for (size_t n = 0; n <= 200; ++n) msgs.emplace_back(n, '\0');
  for (size_t n : {1023u, 1024u, 2048u, 8191u, 8192u, 8193u, 40000u, 262144u})
    msgs.emplace_back(n, '\0');
  for (int i = 0; i < 60; ++i) msgs.emplace_back(rng() % 70000, '\0');
  for (auto& m : msgs)
    for (auto& c : m) c = static_cast<char>(rng());
  std::vector<ByteSpan> spans;
  for (auto& m : msgs) spans.push_back(AsBytes(m));
  std::vector<Sha256Digest> got(msgs.size());
  Sha256Batch(spans, got.data());
  for (size_t i = 0; i < msgs.size(); ++i) {
    ASSERT_EQ(got[i], Sha256::Of(spans[i]))
        << "message " << i << " of " << msgs[i].size() << " bytes";
  }
}

TEST(Sha256BatchTest, OddCountsAndScalarPathAgree) {
  std::vector<std::string> msgs = {"abc", "", "hello world"};
  std::vector<ByteSpan> spans;
  for (auto& m : msgs) spans.push_back(AsBytes(m));
  std::vector<Sha256Digest> lanes(3), scalar(3);
  Sha256Batch(spans, lanes.data());
  Sha256BatchForceScalarForTest(true);
  Sha256Batch(spans, scalar.data());
  Sha256BatchForceScalarForTest(false);
  EXPECT_EQ(lanes, scalar);
  EXPECT_EQ(HexEncode(lanes[0]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Batch(std::span<const ByteSpan>(), nullptr);  // empty is fine
}

}  // namespace
}  // namespace vk
