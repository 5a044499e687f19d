#include "generator.h"

#include <gtest/gtest.h>

#include <map>

#include "kit/env/file.h"
#include "kit/snapshot/archive_reader.h"
#include "kit/snapshot/sealed.h"

namespace vk::gen {
namespace {

class KeyCollector : public snapshot::ArchiveVisitor {
 public:
  Status OnRecord(const snapshot::StateRecord& r) override {
    if (!keys.empty() && !(keys.rbegin()->first < std::string(r.key))) {
      sorted = false;
    }
    keys[std::string(r.key)] = r.value_size;
    return Status::Ok();
  }
  std::map<std::string, uint64_t> keys;
  bool sorted = true;
};

Result<snapshot::ArchiveInfo> Read(const std::string& data, KeyCollector* v) {
  MemorySource src(data);
  return snapshot::ReadArchive(src, {}, v);
}

TEST(GeneratorTest, DeterministicSortedVaultLikeAndSealed) {
  StringSink a, b;
  GenerateOptions o;
  o.archive.seed = 7;
  o.records = 3000;
  ASSERT_TRUE(Generate(o, &a).ok());
  ASSERT_TRUE(Generate(o, &b).ok());
  EXPECT_EQ(a.data(), b.data());  // same seed, same bytes

  KeyCollector v;
  auto info = Read(a.data(), &v);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(v.sorted);
  EXPECT_GT(info->records, 2900u);
  EXPECT_TRUE(v.keys.count("core/seal-config"));
  EXPECT_TRUE(v.keys.count("core/keyring"));
  EXPECT_TRUE(v.keys.count("sys/policy/default"));
  int logical = 0, tokens = 0, leases = 0;
  for (const auto& [k, size] : v.keys) {
    logical += k.rfind("logical/", 0) == 0;
    tokens += k.rfind("sys/token/id/", 0) == 0;
    leases += k.rfind("sys/expire/id/", 0) == 0;
  }
  EXPECT_GT(logical, 1000);
  EXPECT_GT(tokens, 300);
  EXPECT_GT(leases, 300);
  ASSERT_EQ(info->meta.servers->size(), 3u);
  auto opened = snapshot::OpenWithKek(KekForSeed(7), *info->sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, info->sums);

  StringSink c;
  o.archive.seed = 8;
  ASSERT_TRUE(Generate(o, &c).ok());
  EXPECT_NE(a.data(), c.data());
}

TEST(GeneratorTest, TargetSizeIsApproximatelyMet) {
  StringSink out;
  GenerateOptions o;
  o.target_bytes = 4 << 20;
  ASSERT_TRUE(Generate(o, &out).ok());
  KeyCollector v;
  auto info = Read(out.data(), &v);
  ASSERT_TRUE(info.ok());
  EXPECT_GT(info->state_size, 3u << 20);
  EXPECT_LT(info->state_size, 5u << 20);
  // Barrier-shaped values are random: gzip cannot shrink them much.
  EXPECT_GT(out.data().size(), info->state_size * 8 / 10);
}

TEST(GeneratorTest, DeriveChangesWhatWasAskedFor) {
  std::string dir = ::testing::TempDir();
  std::string prev = dir + "/gen_prev.snap";
  {
    auto sink = AtomicFileSink::Create(prev);
    ASSERT_TRUE(sink.ok());
    GenerateOptions o;
    o.records = 20000;
    ASSERT_TRUE(Generate(o, sink->get()).ok());
    ASSERT_TRUE((*sink)->Commit().ok());
  }
  DeriveOptions d;
  d.previous = prev;
  d.archive.seed = 99;
  d.rewrite_pct = 2;
  d.insert_pct = 1;
  d.delete_pct = 1;
  StringSink next;
  auto r = Derive(d, &next);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  KeyCollector before, after;
  auto file = FileSource::Open(prev);
  ASSERT_TRUE(snapshot::ReadArchive(**file, {}, &before).ok());
  auto info = Read(next.data(), &after);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_TRUE(after.sorted);
  size_t n = before.keys.size();
  size_t gone = 0, added = 0;
  for (const auto& [k, s] : before.keys) gone += !after.keys.count(k);
  for (const auto& [k, s] : after.keys) added += !before.keys.count(k);
  // Within a wide band of the requested 1% each.
  EXPECT_GT(gone, n / 200);
  EXPECT_LT(gone, n / 50);
  EXPECT_GT(added, n / 400);
  EXPECT_LT(added, n / 50);
  EXPECT_EQ(r->deleted, gone);
  EXPECT_EQ(r->inserted, added);
  EXPECT_GT(r->rewritten, n / 100);
  EXPECT_GT(info->meta.index, 40u);
}

}  // namespace
}  // namespace vk::gen
