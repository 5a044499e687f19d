#include "kit/snapshot/kv_stats.h"

#include <gtest/gtest.h>

namespace vk::snapshot {
namespace {

StateRecord Rec(std::string_view key, uint64_t size) {
  StateRecord r;
  r.key = key;
  r.message_size = size;
  return r;
}

TEST(KvStatsTest, DepthFilterAndOrderLikeVault) {
  KvStats s(2, "");
  for (auto k :
       {"core/keyring", "core/seal-config", "logical/u1/a/b", "logical/u1/c",
        "logical/u2/x", "sys/token/id/h1", "a", "x/", ""}) {
    s.Add(Rec(k, 10));
  }
  auto v = s.Sorted();
  ASSERT_EQ(v.size(), 7u);
  EXPECT_EQ(v[0].name, "logical/u1");
  EXPECT_EQ(v[0].count, 2u);
  EXPECT_EQ(v[0].size, 20u);
  // Ties broken by name.
  EXPECT_EQ(v[1].name, "a");
  EXPECT_EQ(v[6].name, "x/");
  EXPECT_EQ(s.total_count(), 8u);  // the empty key is ignored
  EXPECT_EQ(s.total_size(), 80u);

  KvStats all(0, "logical/");
  for (auto k : {"core/keyring", "logical/u1/a/b", "logical/u1/c"}) {
    all.Add(Rec(k, 1));
  }
  auto w = all.Sorted();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].name, "logical/u1/a/b");
  EXPECT_EQ(all.total_count(), 2u);
}

}  // namespace
}  // namespace vk::snapshot
