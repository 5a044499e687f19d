#include "minivault/fsm/store.h"

#include <gtest/gtest.h>

#include "minivault/fsm/store_test_util.h"

namespace vk::fsm {
namespace {

TEST(StoreTest, RestoreRoundTrip) {
  std::string da = MakeTempDir(), db = MakeTempDir();
  auto a = OpenStore(da);
  auto b = OpenStore(db);
  ASSERT_TRUE(a && b);
  Pairs kv = {{"core/seal-config", "{\"secret_shares\":1}"},
              {"core/empty", ""},
              {"logical/x/y", std::string(100000, 'v')}};
  ASSERT_TRUE(a->Apply(7, 2, Puts(kv)).ok());
  ASSERT_TRUE(a->SetConfiguration(ConfigOf("a", 1)).ok());
  ASSERT_TRUE(
      b->Apply(100, 5, Puts({{"only/in/b", "x"}, {"core/empty", "b"}})).ok());
  ASSERT_TRUE(b->SetConfiguration(ConfigOf("b", 50)).ok());

  ASSERT_TRUE(RestoreInto(*a, *b, 6).ok());
  for (const auto& [k, v] : kv) EXPECT_EQ(GetOr(*b, k), v) << k;
  EXPECT_EQ(GetOr(*b, "only/in/b"), std::nullopt);
  EXPECT_EQ(b->applied_index(), 101u);  // max(100, 7) + 1
  EXPECT_EQ(b->applied_term(), 6u);
  EXPECT_EQ(b->configuration(), ConfigOf("b", 50));
  EXPECT_EQ(DirEntries(db),
            (std::vector<std::string>{"vault.db", "vault.db-lock"}));

  // The restored state is durable and what B's snapshots now contain.
  b.reset();
  b = OpenStore(db);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->applied_index(), 101u);
  EXPECT_EQ(b->configuration(), ConfigOf("b", 50));
  auto snap = b->OpenSnapshot();
  ASSERT_TRUE(snap.ok());
  std::sort(kv.begin(), kv.end());
  EXPECT_EQ(ParseState(StateOf(**snap)), kv);
  snap->reset();
  // Writes continue after the restored index; replays below it are skipped.
  EXPECT_TRUE(b->Apply(101, 6, Puts({{"core/empty", "no"}})).ok());
  EXPECT_EQ(GetOr(*b, "core/empty"), "");
  ASSERT_TRUE(b->Apply(102, 6, Puts({{"core/empty", "yes"}})).ok());
  EXPECT_EQ(GetOr(*b, "core/empty"), "yes");

  // A snapshot newer than the target sets snapshot index + 1.
  std::string dc = MakeTempDir();
  auto c = OpenStore(dc);
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->Apply(3, 1, Puts({{"k", "v"}})).ok());
  ASSERT_TRUE(RestoreInto(*b, *c, 9).ok());
  EXPECT_EQ(c->applied_index(), 103u);
  EXPECT_EQ(c->configuration(), Configuration{});  // C had none; still none
}

// A raft InstallSnapshot: the copy takes the source's exact index, term and
// configuration, even when they are below the target's.
TEST(StoreTest, CommitInstallTakesTheSourcesIndexesAndConfiguration) {
  std::string da = MakeTempDir(), db = MakeTempDir();
  auto a = OpenStore(da);
  auto b = OpenStore(db);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Apply(40, 3, Puts({{"k", "from-a"}})).ok());
  ASSERT_TRUE(b->Apply(90, 2, Puts({{"k", "from-b"}, {"gone", "x"}})).ok());
  ASSERT_TRUE(b->SetConfiguration(ConfigOf("b", 80)).ok());
  auto snap = a->OpenSnapshot();
  ASSERT_TRUE(snap.ok());
  std::string state = StateOf(**snap);
  auto r = b->BeginRestore(state.size());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Feed(AsBytes(state)).ok());
  ASSERT_TRUE((*r)->Finish().ok());
  ASSERT_TRUE(b->CommitInstall(std::move(*r), 40, 3, ConfigOf("a", 12)).ok());
  EXPECT_EQ(b->applied_index(), 40u);
  EXPECT_EQ(b->applied_term(), 3u);
  EXPECT_EQ(b->configuration(), ConfigOf("a", 12));
  EXPECT_EQ(GetOr(*b, "k"), "from-a");
  EXPECT_EQ(GetOr(*b, "gone"), std::nullopt);
  b.reset();
  b = OpenStore(db);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->applied_index(), 40u);
  EXPECT_EQ(b->configuration(), ConfigOf("a", 12));
}

// A configuration change is applied with its index in one transaction;
// a replay of it changes nothing.

TEST(StoreTest, RestoreSpansSeveralBatches) {
  std::string da = MakeTempDir(), db = MakeTempDir();
  auto a = OpenStore(da);
  auto b = OpenStore(db);
  ASSERT_TRUE(a && b);
  const int n = static_cast<int>(Store::kRestoreBatch) * 2 + 7;
  for (int base = 0, index = 1; base < n; base += 20000, ++index) {
    Pairs kv;
    for (int i = base; i < std::min(n, base + 20000); ++i) {
      kv.emplace_back("k/" + std::to_string(i), std::to_string(i * 3));
    }
    ASSERT_TRUE(a->Apply(index, 1, Puts(kv)).ok());
  }
  ASSERT_TRUE(RestoreInto(*a, *b, 1).ok());
  for (int i : {0, 49999, 50000, 50001, 99999, 100000, n - 1}) {
    EXPECT_EQ(GetOr(*b, "k/" + std::to_string(i)), std::to_string(i * 3));
  }
  auto snap = b->OpenSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(ParseState(StateOf(**snap)).size(), static_cast<size_t>(n));
}

class BadRestoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string da = MakeTempDir();
    dir_ = MakeTempDir();
    a_ = OpenStore(da);
    b_ = OpenStore(dir_);
    ASSERT_TRUE(a_ && b_);
    ASSERT_TRUE(a_->Apply(5, 1, Puts({{"k1", "new"}, {"k2", "new2"}})).ok());
    ASSERT_TRUE(b_->Apply(9, 3, Puts({{"k1", "old"}})).ok());
    auto snap = a_->OpenSnapshot();
    ASSERT_TRUE(snap.ok());
    state_ = StateOf(**snap);
  }

  // B must be exactly as before and hold no temp file.
  void ExpectUnchanged() {
    EXPECT_EQ(GetOr(*b_, "k1"), "old");
    EXPECT_EQ(GetOr(*b_, "k2"), std::nullopt);
    EXPECT_EQ(b_->applied_index(), 9u);
    EXPECT_EQ(DirEntries(dir_),
              (std::vector<std::string>{"vault.db", "vault.db-lock"}));
  }

  Status Run(uint64_t expected, std::string_view data) {
    auto r = b_->BeginRestore(expected);
    VK_RETURN_IF_ERROR(r.status());
    EXPECT_EQ(DirEntries(dir_),
              (std::vector<std::string>{"vault.db", "vault.db-lock",
                                        "vault.db.restore"}));
    VK_RETURN_IF_ERROR((*r)->Feed(AsBytes(data)));
    VK_RETURN_IF_ERROR((*r)->Finish());
    return Status::Ok();  // not committed: destroyed here
  }

  std::string dir_, state_;
  std::unique_ptr<Store> a_, b_;
};

TEST_F(BadRestoreTest, TruncatedData) {
  std::string cut = state_.substr(0, state_.size() - 1);
  Status st = Run(state_.size(), cut);
  EXPECT_EQ(st.message(), "failed to write snapshot, size didn't match (" +
                              std::to_string(cut.size()) +
                              " != " + std::to_string(state_.size()) + ")");
  ExpectUnchanged();
  // Truncated inside a record although the sizes agree.
  st = Run(cut.size(), cut);
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  ExpectUnchanged();
}

TEST_F(BadRestoreTest, WrongExpectedSize) {
  EXPECT_FALSE(Run(state_.size() + 10, state_).ok());
  ExpectUnchanged();
  Status st = Run(state_.size() - 3, state_);
  EXPECT_NE(st.message().find("size didn't match"), std::string::npos)
      << st.ToString();
  ExpectUnchanged();
}

TEST_F(BadRestoreTest, GarbageRecords) {
  std::string junk =
      "\x05\x0a\x03"
      "abc"
      "\xff\xff";
  EXPECT_EQ(Run(junk.size(), junk).code(), StatusCode::kCorruption);
  ExpectUnchanged();
}

TEST_F(BadRestoreTest, DestroyedWithoutCommitLeavesNothing) {
  EXPECT_TRUE(Run(state_.size(), state_).ok());  // finished, then dropped
  ExpectUnchanged();

  auto r = b_->BeginRestore(state_.size());
  ASSERT_TRUE(r.ok());
  auto second = b_->BeginRestore(1);
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  // Unfinished restores cannot be committed, and the attempt consumes it.
  Status st = b_->CommitRestore(std::move(*r), 3, 5);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  ExpectUnchanged();
  EXPECT_TRUE(b_->BeginRestore(1).ok());  // the slot is free again
  ExpectUnchanged();
  // A restore begun on another store is refused.
  auto foreign = a_->BeginRestore(state_.size());
  ASSERT_TRUE(foreign.ok());
  ASSERT_TRUE((*foreign)->Feed(AsBytes(state_)).ok());
  ASSERT_TRUE((*foreign)->Finish().ok());
  EXPECT_EQ(b_->CommitRestore(std::move(*foreign), 3, 5).code(),
            StatusCode::kInvalidArgument);
  ExpectUnchanged();
}

TEST_F(BadRestoreTest, KeyTooLongForThisStore) {
  std::string state;
  snapshot::AppendRecord(&state, std::string(600, 'k'), "v");
  EXPECT_EQ(Run(state.size(), state).code(), StatusCode::kCorruption);
  ExpectUnchanged();
}

}  // namespace
}  // namespace vk::fsm
