#include "kit/shamir/shamir.h"

#include <gtest/gtest.h>

#include <set>

#include "kit/crypto/aead.h"
#include "kit/shamir/gf256.h"

namespace vk::shamir {
namespace {

using gf256::Inverse;
using gf256::Mul;

TEST(Gf256Test, KnownProducts) {
  // Vault's exp table is built from generator 0xE5: expTable[2] = 0x4C.
  EXPECT_EQ(Mul(0xE5, 0xE5), 0x4C);
  // FIPS-197 §4.2 examples.
  EXPECT_EQ(Mul(0x57, 0x83), 0xC1);
  EXPECT_EQ(Mul(0x57, 0x13), 0xFE);
  EXPECT_EQ(Mul(0x80, 0x02), 0x1B);  // the reduction step
  EXPECT_EQ(Mul(0x00, 0xE5), 0x00);
}

TEST(Gf256Test, GeneratorE5ReachesEveryNonZeroElement) {
  std::set<int> seen;
  uint8_t v = 1;
  for (int i = 0; i < 255; ++i) {
    seen.insert(v);
    v = Mul(v, 0xE5);
  }
  EXPECT_EQ(v, 1);  // order 255
  EXPECT_EQ(seen.size(), 255u);
  EXPECT_EQ(seen.count(0), 0u);
}

TEST(Gf256Test, IdentityAndInverseForAllNonZero) {
  EXPECT_EQ(Inverse(0), 0);
  for (int a = 1; a < 256; ++a) {
    uint8_t x = static_cast<uint8_t>(a);
    EXPECT_EQ(Mul(x, 1), x);
    EXPECT_EQ(Mul(1, x), x);
    EXPECT_EQ(Mul(x, Inverse(x)), 1) << a;
    EXPECT_EQ(Inverse(Inverse(x)), x) << a;
  }
  EXPECT_EQ(Inverse(0x53), 0xCA);  // FIPS-197 §5.1.1 S-box example input
}

TEST(Gf256Test, MulIsCommutativeAndDistributive) {
  for (int a = 0; a < 256; a += 7) {
    for (int b = 0; b < 256; b += 5) {
      EXPECT_EQ(Mul(a, b), Mul(b, a));
      for (int c = 0; c < 256; c += 51) {
        EXPECT_EQ(Mul(a, b ^ c), Mul(a, b) ^ Mul(a, c));
      }
    }
  }
}

TEST(ShamirTest, CombinesHandComputedShares) {
  // f(x) = 0x42 + 0x07 x: f(1) = 0x45, f(2) = 0x42 ^ 0x0E = 0x4C.
  std::vector<std::string> parts = {std::string("\x45\x01", 2),
                                    std::string("\x4C\x02", 2)};
  auto s = Combine(parts);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, "\x42");
  // Order of parts does not matter.
  std::swap(parts[0], parts[1]);
  EXPECT_EQ(*Combine(parts), "\x42");
}

TEST(ShamirTest, RoundTripForManySizes) {
  for (size_t n = 1; n <= 64; ++n) {
    std::string secret = RandomBytes(n);
    int parts = 2 + static_cast<int>(n % 6);
    int threshold = 2 + static_cast<int>(n % (parts - 1));
    auto shares = Split(secret, parts, threshold);
    ASSERT_TRUE(shares.ok()) << shares.status().ToString();
    ASSERT_EQ(shares->size(), static_cast<size_t>(parts));
    std::vector<std::string> first(shares->begin(),
                                   shares->begin() + threshold);
    auto got = Combine(first);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, secret) << "size " << n;
    // More parts than the threshold still interpolate to the secret.
    EXPECT_EQ(*Combine(*shares), secret) << "size " << n;
  }
}

TEST(ShamirTest, EverySubsetAtThresholdRecoversBelowDoesNot) {
  std::string secret = RandomBytes(32);
  auto shares = Split(secret, 5, 3);
  ASSERT_TRUE(shares.ok());
  int recovered = 0, pairs = 0;
  for (int mask = 1; mask < 32; ++mask) {
    std::vector<std::string> subset;
    for (int i = 0; i < 5; ++i) {
      if (mask & (1 << i)) subset.push_back((*shares)[i]);
    }
    if (subset.size() < 2) continue;
    auto got = Combine(subset);
    ASSERT_TRUE(got.ok());
    if (subset.size() >= 3) {
      EXPECT_EQ(*got, secret) << "mask " << mask;
      ++recovered;
    } else {
      EXPECT_NE(*got, secret) << "mask " << mask;
      EXPECT_EQ(got->size(), secret.size());
      ++pairs;
    }
  }
  EXPECT_EQ(recovered, 16);  // C(5,3) + C(5,4) + C(5,5)
  EXPECT_EQ(pairs, 10);      // C(5,2)
}

TEST(ShamirTest, ShareLayout) {
  std::string secret = RandomBytes(32);
  auto shares = Split(secret, 10, 4);
  ASSERT_TRUE(shares.ok());
  std::set<uint8_t> xs;
  for (const std::string& s : *shares) {
    ASSERT_EQ(s.size(), 33u);
    uint8_t x = static_cast<uint8_t>(s.back());
    EXPECT_NE(x, 0);
    xs.insert(x);
  }
  EXPECT_EQ(xs.size(), 10u);

  // With 255 parts the x coordinates are exactly 1..255.
  auto all = Split("k", 255, 2);
  ASSERT_TRUE(all.ok());
  std::set<int> all_xs;
  for (const std::string& s : *all) {
    ASSERT_EQ(s.size(), 2u);
    all_xs.insert(static_cast<uint8_t>(s[1]));
  }
  EXPECT_EQ(all_xs.size(), 255u);
  EXPECT_EQ(*all_xs.begin(), 1);
  EXPECT_EQ(*all_xs.rbegin(), 255);
}

TEST(ShamirTest, XCoordinatesAreRandomised) {
  // Two splits choosing the same 5 coordinates in the same order has
  // probability ~1/255^5.
  auto a = Split("secret", 5, 2);
  auto b = Split("secret", 5, 2);
  ASSERT_TRUE(a.ok() && b.ok());
  std::string xa, xb;
  for (const auto& s : *a) xa += s.back();
  for (const auto& s : *b) xb += s.back();
  EXPECT_NE(xa, xb);
}

TEST(ShamirTest, DuplicatesRejected) {
  auto shares = Split(RandomBytes(16), 3, 2);
  ASSERT_TRUE(shares.ok());
  auto dup = Combine({(*shares)[0], (*shares)[1], (*shares)[0]});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dup.status().message(), "duplicate part detected");
  // A different part that repeats an x coordinate is a duplicate too.
  std::string forged = (*shares)[1];
  forged.back() = (*shares)[0].back();
  EXPECT_EQ(Combine({(*shares)[0], forged}).status().message(),
            "duplicate part detected");
}

TEST(ShamirTest, SplitArgumentValidation) {
  auto msg = [](std::string_view secret, int parts, int threshold) {
    auto r = Split(secret, parts, threshold);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  };
  EXPECT_EQ(msg("s", 2, 3), "parts cannot be less than threshold");
  EXPECT_EQ(msg("s", 256, 2), "parts cannot exceed 255");
  EXPECT_EQ(msg("s", 5, 1), "threshold must be at least 2");
  EXPECT_EQ(msg("s", 300, 256), "parts cannot exceed 255");
  EXPECT_EQ(msg("", 5, 3), "cannot split an empty secret");
  EXPECT_TRUE(Split("s", 2, 2).ok());
  EXPECT_TRUE(Split("s", 255, 255).ok());
}

TEST(ShamirTest, CombineArgumentValidation) {
  auto msg = [](const std::vector<std::string>& parts) {
    auto r = Combine(parts);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    return r.status().message();
  };
  EXPECT_EQ(msg({}),
            "less than two parts cannot be used to reconstruct the "
            "secret");
  EXPECT_EQ(msg({"ab"}),
            "less than two parts cannot be used to reconstruct the secret");
  EXPECT_EQ(msg({"a", "b"}), "parts must be at least two bytes");
  EXPECT_EQ(msg({"abc", "ab"}), "all parts must be the same length");
}

}  // namespace
}  // namespace vk::shamir
