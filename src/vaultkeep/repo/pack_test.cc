#include "vaultkeep/repo/pack.h"

#include <gtest/gtest.h>

#include <cstring>

#include "vaultkeep/repo/index.h"
#include "vaultkeep/repo/repository.h"

namespace vk::repo {
namespace {

std::string Blob(size_t n, int seed, bool compressible) {
  std::string s(n, '\0');
  uint64_t x = static_cast<uint64_t>(seed) * 0x9e3779b97f4a7c15ULL + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    s[i] = compressible ? "vault"[i % 5] : static_cast<char>(x >> 56);
  }
  return s;
}

// Compression is asked for but skipped when zstd does not pay (Vault values
// are ciphertext): the blob is stored raw, as type 0.
TEST(PackTest, IncompressibleBlobStoredRaw) {
  crypto::ResticKey key = crypto::ResticKey::Random();
  std::string random = Blob(20000, 9, false);
  SealedBlob raw = SealBlob(key, BlobType::kData, Sha256::Of(AsBytes(random)),
                            AsBytes(random), true);
  EXPECT_EQ(raw.uncompressed_length, 0u);
  EXPECT_EQ(raw.sealed.size(), random.size() + 32);
  std::string text = Blob(20000, 9, true);
  SealedBlob z = SealBlob(key, BlobType::kData, Sha256::Of(AsBytes(text)),
                          AsBytes(text), true);
  EXPECT_EQ(z.uncompressed_length, 20000u);
  EXPECT_LT(z.sealed.size(), 2000u);
}

TEST(PackTest, WriteParseOpen) {
  crypto::ResticKey key = crypto::ResticKey::Random();
  PackWriter w(&key);
  std::vector<std::string> plain = {Blob(1000, 1, false), Blob(50000, 2, true),
                                    Blob(0, 3, false), Blob(700, 4, true)};
  for (size_t i = 0; i < plain.size(); ++i) {
    w.Add(i == 3 ? BlobType::kTree : BlobType::kData,
          Sha256::Of(AsBytes(plain[i])), AsBytes(plain[i]), i % 2 == 1);
  }
  std::string pack = w.Finish();
  EXPECT_EQ(w.count(), 0u);
  auto blobs = ParsePack(key, AsBytes(pack));
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  ASSERT_EQ(blobs->size(), 4u);
  EXPECT_EQ((*blobs)[1].uncompressed_length, 50000u);
  EXPECT_LT((*blobs)[1].length, 5000u);  // compressed
  EXPECT_EQ((*blobs)[0].uncompressed_length, 0u);
  EXPECT_EQ((*blobs)[3].type, BlobType::kTree);
  // Header size as restic computes it: 32 + 37 or 41 per entry.
  uint32_t hlen = 0;
  std::memcpy(&hlen, pack.data() + pack.size() - 4, 4);
  EXPECT_EQ(hlen, 32u + 37 + 41 + 37 + 41);
  for (size_t i = 0; i < plain.size(); ++i) {
    const PackedBlob& b = (*blobs)[i];
    auto got = OpenBlob(
        key, b, AsBytes(std::string_view(pack).substr(b.offset, b.length)));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, plain[i]);
  }
  // Damage: a flipped byte in a blob, a wrong header length, trailing bytes.
  std::string bad = pack;
  bad[5] ^= 1;
  const PackedBlob& b0 = (*blobs)[0];
  EXPECT_FALSE(
      OpenBlob(key, b0, AsBytes(std::string_view(bad).substr(0, b0.length)))
          .ok());
  EXPECT_FALSE(ParsePack(key, AsBytes(pack.substr(0, pack.size() - 1))).ok());
  EXPECT_FALSE(ParsePack(key, AsBytes("x" + pack)).ok());
  EXPECT_FALSE(ParsePack(crypto::ResticKey::Random(), AsBytes(pack)).ok());
}

TEST(IndexTest, EncodeMergeFind) {
  PackedBlob a{Sha256::Of(AsBytes("a")), BlobType::kData, 0, 40, 0};
  PackedBlob b{Sha256::Of(AsBytes("b")), BlobType::kTree, 40, 50, 100};
  std::string json = Index::Encode({{std::string(64, 'f'), {a, b}}});
  EXPECT_NE(json.find("\"uncompressed_length\":100"), std::string::npos);
  EXPECT_EQ(json.find("\"uncompressed_length\":0"), std::string::npos);
  Index idx;
  ASSERT_TRUE(idx.Merge(json).ok());
  ASSERT_TRUE(idx.Find(BlobType::kTree, b.id).has_value());
  EXPECT_EQ(idx.Find(BlobType::kTree, b.id)->blob.offset, 40u);
  EXPECT_FALSE(idx.Find(BlobType::kData, b.id).has_value());  // type matters
  EXPECT_TRUE(idx.Has(BlobType::kTree, b.id));
  EXPECT_FALSE(idx.Has(BlobType::kData, b.id));
  EXPECT_FALSE(idx.Merge("{\"packs\":[{\"id\":\"zz\",\"blobs\":[]}]}").ok());
  EXPECT_FALSE(idx.Merge("[]").ok());
  // restic's older "supersedes" field is ignored.
  EXPECT_TRUE(idx.Merge("{\"supersedes\":[],\"packs\":[]}").ok());
}

TEST(RepositoryBlobTest, SaveFlushReloadDedupAndPackSplitting) {
  auto backing = storage::NewMemStorage();
  storage::Storage* raw = backing.get();
  auto repo = Repository::Init(std::move(backing), "pw",
                               {.scrypt = {.n = 1024, .r = 8, .p = 1}});
  ASSERT_TRUE(repo.ok());
  (*repo)->set_pack_size_for_test(100000);
  std::vector<std::string> blobs;
  for (int i = 0; i < 40; ++i) blobs.push_back(Blob(5000 + i, i, i % 3 == 0));
  for (const auto& b : blobs) {
    auto stored = (*repo)->SaveBlob(BlobType::kData, AsBytes(b), true);
    ASSERT_TRUE(stored.ok());
    EXPECT_TRUE(stored->added);
    EXPECT_EQ(stored->id, Sha256::Of(AsBytes(b)));
  }
  // The same content again is not stored twice, before or after Flush.
  EXPECT_FALSE(
      (*repo)->SaveBlob(BlobType::kData, AsBytes(blobs[39]), true)->added);
  auto index_id = (*repo)->Flush();
  ASSERT_TRUE(index_id.ok());
  EXPECT_FALSE(index_id->empty());
  EXPECT_FALSE(
      (*repo)->SaveBlob(BlobType::kData, AsBytes(blobs[0]), true)->added);
  EXPECT_EQ(*(*repo)->Flush(), "");  // nothing new
  int packs = 0;
  ASSERT_TRUE(raw->List("data/",
                        [&](const storage::ObjectInfo&) {
                          ++packs;
                          return Status::Ok();
                        })
                  .ok());
  EXPECT_GE(packs, 2);  // split at the pack-size target
  for (const auto& b : blobs) {
    auto got = (*repo)->LoadBlob(BlobType::kData, Sha256::Of(AsBytes(b)));
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, b);
  }
  EXPECT_EQ((*repo)
                ->LoadBlob(BlobType::kData, Sha256::Of(AsBytes("nope")))
                .status()
                .code(),
            StatusCode::kCorruption);  // a snapshot names only indexed blobs
}

}  // namespace
}  // namespace vk::repo

namespace vk::repo {
namespace {

TEST(IndexTest, SplitForFilesKeepsPacksWholeAndFilesBounded) {
  std::vector<PackBlobs> packs;
  for (int i = 0; i < 7; ++i) {
    packs.emplace_back(std::string(64, 'a' + i),
                       std::vector<PackedBlob>(i == 3 ? 60000 : 20000));
  }
  auto files = Index::SplitForFiles(packs);
  size_t total_packs = 0;
  for (const auto& f : files) {
    size_t blobs = 0;
    for (const auto& p : f) blobs += p.second.size();
    EXPECT_TRUE(blobs <= kIndexMaxBlobs || f.size() == 1);
    total_packs += f.size();
  }
  EXPECT_EQ(total_packs, packs.size());
  // 20k+20k | 20k | 60k alone | 20k+20k | 20k
  EXPECT_EQ(files.size(), 5u);
  EXPECT_TRUE(Index::SplitForFiles({}).empty());
}

TEST(IndexTest, EncodeParsesBack) {
  PackedBlob a{}, b{};
  a.id[0] = 1;
  a.offset = 5;
  a.length = 77;
  b.id[0] = 2;
  b.type = BlobType::kTree;
  b.length = 9;
  b.uncompressed_length = 100;
  std::string json = Index::Encode({{std::string(64, 'c'), {a, b}}});
  Index idx;
  ASSERT_TRUE(idx.Merge(json).ok()) << json;
  auto fa = idx.Find(BlobType::kData, a.id);
  ASSERT_TRUE(fa.has_value());
  EXPECT_EQ(fa->pack_id, std::string(64, 'c'));
  EXPECT_EQ(fa->blob.offset, 5u);
  EXPECT_EQ(fa->blob.length, 77u);
  EXPECT_EQ(idx.Find(BlobType::kTree, b.id)->blob.uncompressed_length, 100u);
  EXPECT_EQ(json.find("\"uncompressed_length\":0"), std::string::npos);
}

}  // namespace
}  // namespace vk::repo
