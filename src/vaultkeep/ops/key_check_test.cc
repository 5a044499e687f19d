#include "vaultkeep/ops/key_check.h"

#include <gtest/gtest.h>

#include "kit/base/strings.h"
#include "kit/crypto/aead.h"
#include "kit/crypto/sha256.h"
#include "kit/shamir/shamir.h"
#include "kit/snapshot/sealed.h"

namespace vk::ops {
namespace {

// A cluster's KEK, its shares (base64, as minivault prints them) and the
// SHA256SUMS.sealed its snapshots carry.
struct Cluster {
  std::string kek = RandomBytes(32);
  std::vector<std::string> shares;
  std::string sealed;
  Cluster(int n, int t) {
    if (t == 1) {
      shares.push_back(Base64Encode(kek));
    } else {
      Result<std::vector<std::string>> split = shamir::Split(kek, n, t);
      EXPECT_TRUE(split.ok());
      if (split.ok()) {
        for (const std::string& s : split.value())
          shares.push_back(Base64Encode(s));
      }
    }
    sealed = *snapshot::SealWithKek(kek, "abc  meta.json\ndef  state.bin\n");
  }
  std::vector<NamedShare> Named() const {
    std::vector<NamedShare> out;
    for (size_t i = 0; i < shares.size(); ++i)
      out.push_back({"vault-unseal-key-" + std::to_string(i), shares[i]});
    return out;
  }
};

KeyCheck Check(std::vector<NamedShare> shares, int t,
               std::optional<std::string> sealed) {
  return CheckUnsealKeys({.shares = std::move(shares),
                          .threshold = t,
                          .seal_type = "shamir",
                          .sealed = std::move(sealed)});
}

void ExpectNoSecrets(const KeyCheck& c, const std::vector<NamedShare>& keys) {
  std::string text = c.Summary();
  for (const auto& p : c.problems) text += p;
  for (const auto& k : keys) {
    EXPECT_EQ(text.find(k.value), std::string::npos);
  }
}

TEST(DecodeShare, HexFirstThenBase64) {
  std::string raw = RandomBytes(33);
  EXPECT_EQ(*DecodeShare(HexEncode(AsBytes(raw))), raw);
  EXPECT_EQ(*DecodeShare(Base64Encode(raw)), raw);
  EXPECT_FALSE(DecodeShare("not-base64!!!").ok());
  EXPECT_EQ(DecodeShare("not-base64!!!").status().message().find("!!!"),
            std::string::npos);
}

TEST(CheckUnsealKeys, AllGoodSharesAreProven) {
  Cluster c(5, 3);
  KeyCheck k = Check(c.Named(), 3, c.sealed);
  EXPECT_EQ(k.proof, KeyProof::kOpened);
  EXPECT_TRUE(k.usable());
  EXPECT_EQ(k.good.size(), 5u);
  EXPECT_TRUE(k.problems.empty());
}

// Issue 14 item 1: one garbage key among five used to stop the restore at
// the first bad key with the cluster sealed.
TEST(CheckUnsealKeys, GarbageKeyIsNamedAndTheRestSuffice) {
  Cluster c(5, 3);
  auto keys = c.Named();
  keys[1].value = "not-base64!!!";
  KeyCheck k = Check(keys, 3, c.sealed);
  EXPECT_TRUE(k.usable()) << k.Summary();
  EXPECT_EQ(k.proof, KeyProof::kOpened);
  EXPECT_EQ(k.good.size(), 4u);
  ASSERT_EQ(k.bad, std::vector<std::string>{"vault-unseal-key-1"});
  EXPECT_NE(k.problems[0].find("vault-unseal-key-1"), std::string::npos);
  ExpectNoSecrets(k, keys);
}

TEST(CheckUnsealKeys, ShareOfAnotherClusterIsNamed) {
  Cluster c(5, 3), other(5, 3);
  auto keys = c.Named();
  keys[0].value = other.shares[0];  // first: the search must skip it
  KeyCheck k = Check(keys, 3, c.sealed);
  EXPECT_TRUE(k.usable()) << k.Summary();
  EXPECT_EQ(k.good.size(), 4u);
  EXPECT_EQ(k.bad, std::vector<std::string>{"vault-unseal-key-0"});
  EXPECT_EQ(std::find(k.good.begin(), k.good.end(), "vault-unseal-key-0"),
            k.good.end());
}

TEST(CheckUnsealKeys, DuplicatesCountOnce) {
  Cluster c(5, 3);
  auto keys = c.Named();
  keys.resize(3);
  // The same share in hex and in base64, and a plain copy.
  keys[1].value = HexEncode(AsBytes(*Base64Decode(keys[0].value)));
  keys[2].value = keys[0].value;
  KeyCheck k = Check(keys, 3, c.sealed);
  EXPECT_EQ(k.distinct, 1);
  EXPECT_FALSE(k.usable());
  EXPECT_EQ(k.problems.size(), 2u);
  EXPECT_NE(k.Summary().find("too few"), std::string::npos);
}

TEST(CheckUnsealKeys, FewerSharesThanTheThresholdAreUnusable) {
  Cluster c(5, 3);
  auto keys = c.Named();
  keys.resize(2);  // `--shares 2` on a 3-of-5 cluster
  KeyCheck k = Check(keys, 3, c.sealed);
  EXPECT_FALSE(k.usable());
  EXPECT_EQ(k.distinct, 2);
}

TEST(CheckUnsealKeys, KeysOfAnotherClusterFailTheProof) {
  Cluster c(5, 3), other(5, 3);
  KeyCheck k = Check(other.Named(), 3, c.sealed);
  EXPECT_EQ(k.proof, KeyProof::kFailed);
  EXPECT_FALSE(k.usable());
  EXPECT_NE(k.Summary().find("another cluster"), std::string::npos);
}

TEST(CheckUnsealKeys, WrongLengthIsMalformed) {
  Cluster c(5, 3);
  auto keys = c.Named();
  keys[4].value = Base64Encode(RandomBytes(20));
  KeyCheck k = Check(keys, 3, c.sealed);
  EXPECT_EQ(k.bad, std::vector<std::string>{"vault-unseal-key-4"});
  EXPECT_NE(k.problems[0].find("20 bytes"), std::string::npos);
  EXPECT_TRUE(k.usable());
}

TEST(CheckUnsealKeys, SingleShareIsTheKeyItself) {
  Cluster c(1, 1);
  KeyCheck k = Check(c.Named(), 1, c.sealed);
  EXPECT_EQ(k.proof, KeyProof::kOpened);
  EXPECT_TRUE(k.usable());
  Cluster other(1, 1);
  EXPECT_FALSE(Check(other.Named(), 1, c.sealed).usable());
}

TEST(CheckUnsealKeys, WithoutSealedHashesOnlyFormIsChecked) {
  Cluster c(5, 3), other(5, 3);
  KeyCheck k = Check(other.Named(), 3, std::nullopt);
  EXPECT_EQ(k.proof, KeyProof::kUnverified);
  EXPECT_TRUE(k.usable());
  EXPECT_NE(k.Summary().find("not proven"), std::string::npos);
  KeyCheck auto_unseal = CheckUnsealKeys({.shares = c.Named(),
                                          .threshold = 3,
                                          .seal_type = "awskms",
                                          .sealed = c.sealed});
  EXPECT_EQ(auto_unseal.proof, KeyProof::kUnverified);
}

}  // namespace
}  // namespace vk::ops
