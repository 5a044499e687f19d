// forget: snapshot IDs by prefix, removal, and which snapshots a policy
// selects (groups, backups whose keys are unusable, damaged files).
#include "vaultkeep/backup/forget.h"

#include <gtest/gtest.h>

#include "vaultkeep/testing/damaged_storage.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::backup {
namespace {

using testing::Keys;

class ForgetTest : public testing::MemRepoTest {
 protected:
  // One Vault backup per day of November 2026, with `tags`.
  std::string Backup(int day, std::vector<std::string> tags = {}) {
    char time[32];
    std::snprintf(time, sizeof time, "2026-11-%02dT12:00:00Z", day);
    auto r = testing::Import(*repo_, archive_, time, std::move(tags));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->snapshot_id : "";
  }
  static std::vector<std::string> Ids(
      const std::vector<repo::ForgetSnapshot>& v) {
    std::vector<std::string> out;
    for (const auto& s : v) out.push_back(s.id);
    return out;
  }
  static std::vector<std::string> Ids(
      const std::vector<repo::KeptSnapshot>& v) {
    std::vector<std::string> out;
    for (const auto& k : v) out.push_back(k.snapshot.id);
    return out;
  }

  const std::string archive_ = testing::MakeArchive();
};

TEST_F(ForgetTest, ResolvesFullIdsAndUniquePrefixesOnce) {
  std::string a = Backup(1), b = Backup(2);
  auto ids = ResolveSnapshotIds(*repo_, {a, b.substr(0, 8), a.substr(0, 6)});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, (std::vector<std::string>{a, b}));
  EXPECT_EQ(ResolveSnapshotIds(*repo_, {"abc"}).status().code(),
            StatusCode::kInvalidArgument);  // too short
  EXPECT_EQ(ResolveSnapshotIds(*repo_, {"ABCD"}).status().code(),
            StatusCode::kInvalidArgument);  // not lowercase hex
  std::string absent = a[0] == '0' ? "1111" : "0000";
  if (b.starts_with(absent)) absent = "ffff";
  EXPECT_EQ(ResolveSnapshotIds(*repo_, {absent}).status().code(),
            StatusCode::kNotFound);
}

TEST_F(ForgetTest, RemovesOnlyTheNamedSnapshotFiles) {
  std::string a = Backup(1), b = Backup(2);
  ASSERT_TRUE(RemoveSnapshots(*repo_, {a}).ok());
  EXPECT_EQ(Keys(*mem_, "snapshots/"),
            (std::vector<std::string>{"snapshots/" + b}));
  EXPECT_EQ(RemoveSnapshots(*repo_, {a}).code(), StatusCode::kNotFound);
}

TEST_F(ForgetTest, KeepLastKeepsTheNewestOfEachGroup) {
  std::string d1 = Backup(1), d2 = Backup(2), d3 = Backup(3);
  auto plan = PlanForget(*repo_, {.last = 2}, {}, nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 1u);  // one host, one path
  EXPECT_EQ(Ids((*plan)[0].decision.keep), (std::vector<std::string>{d3, d2}));
  EXPECT_EQ(Ids((*plan)[0].decision.remove), (std::vector<std::string>{d1}));
}

TEST_F(ForgetTest, BackupsWithUnusableKeysTakeNoKeepSlot) {
  std::string good = Backup(1);
  std::string bad = Backup(2, {kKeysUnusableTag});
  auto plan = PlanForget(*repo_, {.last = 1}, {}, nullptr);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 2u);  // grouped apart
  for (const repo::GroupDecision& g : *plan) {
    EXPECT_TRUE(g.decision.remove.empty());
    ASSERT_EQ(g.decision.keep.size(), 1u);
    EXPECT_EQ(g.decision.keep[0].snapshot.id, g.key.apart ? bad : good);
  }
}

TEST_F(ForgetTest, DamagedSnapshotFilesAreNeitherKeptNorRemoved) {
  std::string d1 = Backup(1), d2 = Backup(2), d3 = Backup(3);
  ASSERT_TRUE(testing::FlipStoredByte(*mem_, "snapshots/" + d2, 30).ok());
  std::vector<UnreadableSnapshot> unreadable;
  auto plan = PlanForget(*repo_, {.last = 1}, {}, &unreadable);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(unreadable.size(), 1u);
  EXPECT_EQ(unreadable[0].id, d2);
  EXPECT_EQ(unreadable[0].status.code(), StatusCode::kCorruption);
  EXPECT_NE(unreadable[0].Note().find("vaultkeep forget " + d2.substr(0, 8)),
            std::string::npos);
  ASSERT_EQ(plan->size(), 1u);
  EXPECT_EQ(Ids((*plan)[0].decision.keep), (std::vector<std::string>{d3}));
  EXPECT_EQ(Ids((*plan)[0].decision.remove), (std::vector<std::string>{d1}));
  // Without a place for them, a damaged file is an error.
  EXPECT_EQ(PlanForget(*repo_, {.last = 1}, {}, nullptr).status().code(),
            StatusCode::kCorruption);
  // And it can still be forgotten by name.
  auto ids = ResolveSnapshotIds(*repo_, {d2.substr(0, 8)});
  ASSERT_TRUE(ids.ok());
  EXPECT_TRUE(RemoveSnapshots(*repo_, *ids).ok());
}

TEST_F(ForgetTest, APolicyWithoutARuleIsRefused) {
  Backup(1);
  EXPECT_EQ(PlanForget(*repo_, {}, {}, nullptr).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vk::backup
