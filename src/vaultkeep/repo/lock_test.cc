#include "vaultkeep/repo/lock.h"

#include <gtest/gtest.h>

#include <set>

#include "kit/testing/fake_clock.h"

namespace vk::repo {
namespace {

using std::chrono::minutes;

class LockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto repo = Repository::Init(storage::NewMemStorage(), "pw",
                                 {.scrypt = {.n = 1024, .r = 8, .p = 1}});
    ASSERT_TRUE(repo.ok());
    repo_ = std::move(*repo);
  }

  // A process on host "h1" with pid `pid`, on a fake clock.
  LockEnv Env(int64_t pid, std::string host = "h1") {
    LockEnv e;
    e.clock = &clock_;
    e.pid_alive = [this](int64_t p) { return alive_.count(p) > 0; };
    e.hostname = std::move(host);
    e.username = "root";
    e.pid = pid;
    alive_.insert(pid);
    return e;
  }

  std::set<std::string> Locks() {
    std::set<std::string> ids;
    EXPECT_TRUE(repo_->storage()
                    .List("locks/",
                          [&](const storage::ObjectInfo& i) {
                            ids.insert(i.key.substr(6));
                            return Status::Ok();
                          })
                    .ok());
    return ids;
  }

  std::unique_ptr<Repository> repo_;
  vk::testing::FakeClock clock_{
      std::chrono::system_clock::time_point(std::chrono::seconds(1800000000))};
  std::set<int64_t> alive_;
};

TEST_F(LockTest, SharedLocksCoexistExclusiveConflictsBothWays) {
  auto a = RepoLock::Acquire(*repo_, false, Env(10));
  auto b = RepoLock::Acquire(*repo_, false, Env(11));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Locks().size(), 2u);
  // Each waited once between writing its lock and the second look.
  EXPECT_EQ(clock_.sleeps(), (std::vector<vk::Clock::Duration>(
                                 2, std::chrono::milliseconds(200))));
  auto x = RepoLock::Acquire(*repo_, true, Env(12));
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(x.status().message().find("repository is already locked by PID 1"),
            std::string::npos)
      << x.status().message();
  // Typed, so that a caller can wait for the holder (the agent does).
  const LockConflict* conflict = x.status().detail<LockConflict>();
  ASSERT_NE(conflict, nullptr);
  EXPECT_FALSE(conflict->holder.exclusive);
  EXPECT_EQ(Locks().size(), 2u);  // the failed attempt left nothing
  ASSERT_TRUE((*a)->Release().ok());
  ASSERT_TRUE((*b)->Release().ok());
  EXPECT_TRUE(Locks().empty());
  auto ex = RepoLock::Acquire(*repo_, true, Env(13));
  ASSERT_TRUE(ex.ok());
  auto shared = RepoLock::Acquire(*repo_, false, Env(14));
  ASSERT_FALSE(shared.ok());
  EXPECT_NE(
      shared.status().message().find("already locked exclusively by PID 13"),
      std::string::npos);
  ASSERT_NE(shared.status().detail<LockConflict>(), nullptr);
  EXPECT_TRUE(shared.status().detail<LockConflict>()->holder.exclusive);
  EXPECT_EQ(shared.status().detail<LockConflict>()->holder.pid, 13);
}

TEST_F(LockTest, StaleLocksAreIgnored) {
  {
    auto old = RepoLock::Acquire(*repo_, true, Env(20, "other-host"));
    ASSERT_TRUE(old.ok());
    // Another host's lock is live until it is 30 minutes old...
    clock_.Advance(minutes(29));
    EXPECT_FALSE(RepoLock::Acquire(*repo_, false, Env(21)).ok());
    clock_.Advance(minutes(2));
    EXPECT_TRUE(RepoLock::Acquire(*repo_, false, Env(21)).ok());
    alive_.erase(20);
    (void)(*old)->id();
    // ~RepoLock removes it.
  }
  // Same host, dead process: stale at once.
  auto dead = RepoLock::Acquire(*repo_, true, Env(30));
  ASSERT_TRUE(dead.ok());
  alive_.erase(30);
  auto next = RepoLock::Acquire(*repo_, true, Env(31));
  EXPECT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_TRUE((*next)->Release().ok());
  // From another host the dead process's lock is not stale: remove it.
  ASSERT_TRUE((*dead)->Release().ok());
  // Other host, dead pid number: not stale (we cannot see its processes).
  auto remote = RepoLock::Acquire(*repo_, true, Env(40, "far"));
  ASSERT_TRUE(remote.ok());
  alive_.erase(40);
  EXPECT_FALSE(RepoLock::Acquire(*repo_, false, Env(41)).ok());
}

TEST_F(LockTest, RefreshReplacesTheFileWithAFreshTime) {
  auto l = RepoLock::Acquire(*repo_, false, Env(50));
  ASSERT_TRUE(l.ok());
  std::string first = (*l)->id();
  clock_.Advance(minutes(25));
  ASSERT_TRUE((*l)->Refresh().ok());
  EXPECT_NE((*l)->id(), first);
  EXPECT_EQ(Locks(), std::set<std::string>{(*l)->id()});
  auto json = repo_->LoadUnpacked(kLocksDir, (*l)->id());
  auto info = ParseLock(*json);
  EXPECT_EQ(info->time, clock_.WallNow());
  // 25 + 10 minutes after the first write, the refreshed lock still holds.
  clock_.Advance(minutes(10));
  EXPECT_FALSE(RepoLock::Acquire(*repo_, true, Env(51, "x")).ok());
}

TEST_F(LockTest, BackgroundRefresherRuns) {
  LockEnv env = Env(60);
  env.refresh_interval = std::chrono::milliseconds(20);
  auto l = RepoLock::Acquire(*repo_, false, env);
  ASSERT_TRUE(l.ok());
  std::string first = (*l)->id();
  for (int i = 0; i < 200 && (*l)->id() == first; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE((*l)->id(), first);
  EXPECT_TRUE((*l)->refresh_status().ok());
  ASSERT_TRUE((*l)->Release().ok());
  EXPECT_TRUE(Locks().empty());
}

TEST(LockFormatTest, JsonAndTimes) {
  LockInfo l;
  l.time =
      std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)) +
      std::chrono::microseconds(123456);
  l.exclusive = true;
  l.hostname = "h";
  l.username = "u";
  l.pid = 7;
  std::string json = EncodeLock(l);
  EXPECT_EQ(
      json,
      "{\"time\":\"2023-11-14T22:13:20.123456Z\",\"exclusive\":true,"
      "\"hostname\":\"h\",\"username\":\"u\",\"pid\":7,\"uid\":0,\"gid\":0}");
  auto back = ParseLock(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->time, l.time);
  // Go also writes zone offsets and fewer digits.
  auto t = ParseRfc3339("2023-11-14T23:13:20.5+01:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, std::chrono::system_clock::time_point(
                    std::chrono::seconds(1700000000)) +
                    std::chrono::milliseconds(500));
  EXPECT_FALSE(ParseRfc3339("yesterday").ok());
  EXPECT_FALSE(ParseLock("{}").ok());
}

}  // namespace
}  // namespace vk::repo

namespace vk {
namespace {

// Go's zero time (restic writes it for unknown node times) is valid and
// clamps instead of overflowing the nanosecond clock (caught by UBSan).
TEST(TimeTest, GoZeroTimeClampsToClockRange) {
  auto zero = ParseRfc3339("0001-01-01T00:00:00Z");
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, std::chrono::system_clock::time_point::min());
  auto far = ParseRfc3339("9999-12-31T23:59:59Z");
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(*far, std::chrono::system_clock::time_point::max());
}

TEST(TimeTest, ZonedKeepsTheOffset) {
  auto z = ParseRfc3339Zoned("2024-12-31T23:30:00-05:00");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->utc_offset_seconds, -5 * 3600);
  EXPECT_EQ(FormatRfc3339(z->time), "2025-01-01T04:30:00Z");
  EXPECT_EQ(ParseRfc3339Zoned("2024-01-01T00:00:00+05:30")->utc_offset_seconds,
            5 * 3600 + 30 * 60);
  EXPECT_EQ(ParseRfc3339Zoned("2024-01-01T00:00:00Z")->utc_offset_seconds, 0);
}

}  // namespace
}  // namespace vk
