#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "minivault/fsm/store.h"
#include "minivault/fsm/store_test_util.h"

namespace vk::fsm {
namespace {

TEST(StoreConcurrencyTest, CommitRestoreWaitsForOpenSnapshots) {
  std::string da = MakeTempDir(), db = MakeTempDir();
  auto a = OpenStore(da);
  auto b = OpenStore(db);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Apply(1, 1, Puts({{"k", "new"}})).ok());
  ASSERT_TRUE(b->Apply(1, 1, Puts({{"k", "old"}})).ok());
  auto asnap = a->OpenSnapshot();
  ASSERT_TRUE(asnap.ok());
  std::string state = StateOf(**asnap);
  auto r = b->BeginRestore(state.size());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Feed(AsBytes(state)).ok());
  ASSERT_TRUE((*r)->Finish().ok());

  auto bsnap = b->OpenSnapshot();
  ASSERT_TRUE(bsnap.ok());
  std::atomic<bool> done{false};
  Status result;
  std::thread t([&] {
    result = b->CommitRestore(std::move(*r), 2, 1);
    done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done.load());
  EXPECT_EQ(ParseState(StateOf(**bsnap)), (Pairs{{"k", "old"}}));
  bsnap->reset();
  t.join();
  EXPECT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(GetOr(*b, "k"), "new");
  EXPECT_EQ(b->applied_index(), 2u);
}

TEST(StoreConcurrencyTest, ReadersDuringCommitSeeOldOrNew) {
  std::string da = MakeTempDir(), db = MakeTempDir();
  auto a = OpenStore(da);
  auto b = OpenStore(db);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->Apply(50, 1, Puts({{"k", "new"}, {"dir/n", "1"}})).ok());
  ASSERT_TRUE(b->Apply(10, 1, Puts({{"k", "old"}, {"dir/o", "1"}})).ok());

  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, saw_new{0}, reads{0};
  auto reader = [&] {
    while (!stop) {
      auto v = b->Get("k");
      auto l = b->List("dir/");
      if (!v.ok() || !l.ok() || !*v) {
        ++bad;
        continue;
      }
      // A list and a get are separate views, but each is whole.
      bool is_new = **v == "new";
      if (!is_new && **v != "old") ++bad;
      if (*l != std::vector<std::string>{"n"} &&
          *l != std::vector<std::string>{"o"}) {
        ++bad;
      }
      saw_new += is_new;
      ++reads;
    }
  };
  auto snapshotter = [&] {
    while (!stop) {
      auto s = b->OpenSnapshot();
      if (!s.ok()) {
        ++bad;
        continue;
      }
      Pairs p = ParseState(StateOf(**s));
      uint64_t idx = (*s)->meta().index;
      bool old_ok = idx == 10 && p == Pairs{{"dir/o", "1"}, {"k", "old"}};
      bool new_ok = idx == 51 && p == Pairs{{"dir/n", "1"}, {"k", "new"}};
      if (!old_ok && !new_ok) ++bad;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) threads.emplace_back(reader);
  threads.emplace_back(snapshotter);
  while (reads < 100) std::this_thread::yield();
  Status st = RestoreInto(*a, *b, 2);
  int before = reads;
  while (reads < before + 100) std::this_thread::yield();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(saw_new.load(), 0);
  EXPECT_EQ(GetOr(*b, "k"), "new");
}

}  // namespace
}  // namespace vk::fsm
