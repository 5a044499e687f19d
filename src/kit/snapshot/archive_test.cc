#include <gtest/gtest.h>

#include "kit/crypto/aead.h"
#include "kit/snapshot/archive_reader.h"
#include "kit/snapshot/archive_writer.h"
#include "kit/snapshot/sealed.h"

namespace vk::snapshot {
namespace {

struct Built {
  std::string archive;
  std::string state;
  std::string kek;
};

Built Build(int level, uint64_t max_octal = tar::kMaxOctalSize,
            bool sealed = true) {
  Built b;
  for (int i = 0; i < 200; ++i) {
    AppendRecord(&b.state, "logical/" + std::to_string(1000 + i),
                 RandomBytes(50 + i));
  }
  SnapshotMeta m;
  m.index = 42;
  m.term = 3;
  m.servers = std::vector<RaftServer>{{0, "n1", "127.0.0.1:8201"}};
  m.size = static_cast<int64_t>(b.state.size());
  StringSink out;
  auto w = ArchiveWriter::Create(
      &out,
      {.gzip_level = level, .mtime = 1700000000, .max_octal_size = max_octal});
  EXPECT_TRUE(w.ok());
  EXPECT_TRUE((*w)->WriteMeta(EncodeMeta(m)).ok());
  MemorySource state_src(b.state);
  EXPECT_TRUE((*w)->WriteStateFrom(state_src).ok());
  EXPECT_TRUE((*w)->EndState().ok());
  EXPECT_TRUE((*w)->WriteSums().ok());
  b.kek = RandomBytes(32);
  if (sealed) {
    auto s = SealWithKek(b.kek, (*w)->sums());
    EXPECT_TRUE(s.ok());
    EXPECT_TRUE((*w)->WriteSealed(*s).ok());
  }
  EXPECT_TRUE((*w)->Finish().ok());
  b.archive = out.data();
  return b;
}

class CountingVisitor : public ArchiveVisitor {
 public:
  Status OnStateData(ByteSpan d) override {
    state.append(AsChars(d));
    return Status::Ok();
  }
  Status OnRecord(const StateRecord& r) override {
    keys.emplace_back(r.key);
    return Status::Ok();
  }
  std::string state;
  std::vector<std::string> keys;
};

TEST(ArchiveTest, WriteThenReadEveryLevelAndEngine) {
  for (int level : {0, 1, 6}) {
    Built b = Build(level);
    for (auto engine : {InflateEngine::kIsal, InflateEngine::kZlib}) {
      for (bool ahead : {false, true}) {
        MemorySource src(b.archive);
        CountingVisitor v;
        auto info =
            ReadArchive(src, {.engine = engine, .read_ahead = ahead}, &v);
        ASSERT_TRUE(info.ok()) << info.status().ToString();
        EXPECT_EQ(info->meta.index, 42u);
        EXPECT_EQ(info->records, 200u);
        EXPECT_EQ(v.state, b.state);
        EXPECT_EQ(v.keys.front(), "logical/1000");
        EXPECT_EQ(info->entry_order, (std::vector<std::string>{
                                         "meta.json", "state.bin", "SHA256SUMS",
                                         "SHA256SUMS.sealed"}));
        ASSERT_TRUE(info->sealed_blob.has_value());
        EXPECT_TRUE(info->sealed_blob->wrapped);
        EXPECT_EQ(info->mtime, 1700000000);
        auto opened = OpenWithKek(b.kek, *info->sealed);
        ASSERT_TRUE(opened.ok());
        EXPECT_EQ(*opened, info->sums);
        EXPECT_FALSE(OpenWithKek(RandomBytes(32), *info->sealed).ok());
      }
    }
  }
}

TEST(ArchiveTest, PaxSizedStateReadsBack) {
  Built b = Build(1, /*max_octal=*/1000);
  MemorySource src(b.archive);
  auto info = ReadArchive(src, {});
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->state_size, b.state.size());
}

TEST(ArchiveTest, SealedRequiredUnlessAllowed) {
  Built b = Build(1, tar::kMaxOctalSize, /*sealed=*/false);
  MemorySource s1(b.archive);
  auto r = ReadArchive(s1, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no SHA256SUMS.sealed"),
            std::string::npos);
  MemorySource s2(b.archive);
  EXPECT_TRUE(ReadArchive(s2, {.require_sealed = false}).ok());
}

TEST(ArchiveTest, WriterChecksSuppliedSums) {
  StringSink out;
  auto w = ArchiveWriter::Create(&out, {});
  SnapshotMeta m;
  m.size = 3;
  ASSERT_TRUE((*w)->WriteMeta(EncodeMeta(m)).ok());
  ASSERT_TRUE((*w)->WriteState(AsBytes("abc")).ok());
  ASSERT_TRUE((*w)->EndState().ok());
  HashList wrong{{"meta.json", Sha256::Of(AsBytes("x"))},
                 {"state.bin", Sha256::Of(AsBytes("abc"))}};
  Status s = (*w)->WriteSums(EncodeHashList(wrong));
  EXPECT_NE(s.message().find("meta.json does not match SHA256SUMS"),
            std::string::npos);
}

TEST(ArchiveTest, WriterRejectsStateShorterThanMetaSize) {
  StringSink out;
  auto w = ArchiveWriter::Create(&out, {});
  SnapshotMeta m;
  m.size = 10;
  ASSERT_TRUE((*w)->WriteMeta(EncodeMeta(m)).ok());
  ASSERT_TRUE((*w)->WriteState(AsBytes("abc")).ok());
  EXPECT_FALSE((*w)->EndState().ok());
}

}  // namespace
}  // namespace vk::snapshot
