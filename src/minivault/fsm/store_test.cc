#include "minivault/fsm/store.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "kit/snapshot/meta.h"
#include "kit/snapshot/records.h"
#include "kit/testing/test_dir.h"

namespace vk::fsm {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

using vk::testing::MakeTempDir;

std::vector<std::string> DirEntries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::unique_ptr<Store> OpenStore(const std::string& dir,
                                 size_t map_size = size_t{64} << 30) {
  auto s = Store::Open({.dir = dir, .map_size = map_size});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

Command Puts(const Pairs& kv) {
  Command c;
  for (const auto& [k, v] : kv) c.ops.push_back({Op::Kind::kPut, k, v});
  return c;
}

std::optional<std::string> GetOr(const Store& s, std::string_view key) {
  auto r = s.Get(key);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::nullopt;
}

std::vector<std::string> ListOr(const Store& s, std::string_view prefix) {
  auto r = s.List(prefix);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<std::string>{};
}

std::string StateOf(Store::Snapshot& snap) {
  StringSink sink;
  Status st = snap.WriteState(sink);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return sink.data();
}

Pairs ParseState(const std::string& state) {
  Pairs out;
  snapshot::RecordScanner sc(
      state.size(), {.keep_values = true}, [&](const snapshot::StateRecord& r) {
        out.emplace_back(std::string(r.key), std::string(AsChars(r.value)));
        return Status::Ok();
      });
  EXPECT_TRUE(sc.Feed(AsBytes(state)).ok());
  EXPECT_TRUE(sc.Finish().ok());
  return out;
}

Configuration ConfigOf(std::string id, uint64_t index) {
  Configuration c;
  c.index = index;
  c.servers.push_back({0, id, id + ".local:8201"});
  c.servers.push_back({1, id + "-b", id + "-b.local:8201"});
  return c;
}

TEST(StoreTest, ApplyGetListDeletePrefix) {
  std::string dir = MakeTempDir();
  auto s = OpenStore(dir);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Apply(1, 1,
                       Puts({{"core/seal-config", "{}"},
                             {"core/keyring", "k"},
                             {"logical/a/x", "1"},
                             {"logical/a/y/z", "2"},
                             {"logical/a-b", "3"},
                             {"logical/b", ""},
                             {"sys/token/id/h1", "t"}}))
                  .ok());
  EXPECT_EQ(GetOr(*s, "core/keyring"), "k");
  EXPECT_EQ(GetOr(*s, "logical/b"), "");  // present, empty value
  EXPECT_EQ(GetOr(*s, "core/nope"), std::nullopt);
  EXPECT_EQ(GetOr(*s, ""), std::nullopt);
  EXPECT_EQ(GetOr(*s, std::string(1000, 'k')), std::nullopt);

  EXPECT_EQ(ListOr(*s, ""),
            (std::vector<std::string>{"core/", "logical/", "sys/"}));
  EXPECT_EQ(ListOr(*s, "logical/"),
            (std::vector<std::string>{"a-b", "a/", "b"}));
  EXPECT_EQ(ListOr(*s, "logical/a/"), (std::vector<std::string>{"x", "y/"}));
  EXPECT_EQ(ListOr(*s, "logical/a"),
            (std::vector<std::string>{"-b", "/"}));  // Vault's raw prefix cut
  EXPECT_TRUE(ListOr(*s, "nothing/").empty());
  EXPECT_EQ(ListOr(*s, "logical/b"), (std::vector<std::string>{""}));

  Command del;
  del.ops.push_back({Op::Kind::kDeletePrefix, "logical/a/", ""});
  del.ops.push_back({Op::Kind::kDelete, "core/keyring", ""});
  del.ops.push_back({Op::Kind::kDelete, "core/absent", ""});  // no error
  ASSERT_TRUE(s->Apply(2, 1, del).ok());
  EXPECT_EQ(GetOr(*s, "logical/a/x"), std::nullopt);
  EXPECT_EQ(GetOr(*s, "logical/a/y/z"), std::nullopt);
  EXPECT_EQ(GetOr(*s, "logical/a-b"), "3");  // shares "logical/a", not "a/"
  EXPECT_EQ(GetOr(*s, "core/keyring"), std::nullopt);
  EXPECT_EQ(ListOr(*s, "logical/"), (std::vector<std::string>{"a-b", "b"}));
  EXPECT_EQ(s->applied_index(), 2u);
}

TEST(StoreTest, RejectsBadOpsAtomically) {
  std::string dir = MakeTempDir();
  auto s = OpenStore(dir);
  ASSERT_TRUE(s);
  auto rejected = [&](const Op& bad) {
    Command c = Puts({{"first", "1"}});
    c.ops.push_back(bad);
    Status st = s->Apply(1, 1, c);
    return st.code() == StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(rejected({Op::Kind::kPut, "", "v"}));
  EXPECT_TRUE(rejected({Op::Kind::kPut, std::string(512, 'k'), "v"}));
  EXPECT_TRUE(rejected({Op::Kind::kPut, std::string("bad\xff", 4), "v"}));
  EXPECT_TRUE(rejected({Op::Kind::kDeletePrefix, "", ""}));
  EXPECT_TRUE(rejected({static_cast<Op::Kind>(9), "k", ""}));
  EXPECT_EQ(GetOr(*s, "first"), std::nullopt);
  EXPECT_EQ(s->applied_index(), 0u);
  // The longest accepted key.
  ASSERT_TRUE(s->Apply(1, 1, Puts({{std::string(511, 'k'), "v"}})).ok());
  EXPECT_EQ(GetOr(*s, std::string(511, 'k')), "v");
}

TEST(StoreTest, FailingOpAbortsWholeTransaction) {
  std::string dir = MakeTempDir();
  auto s = OpenStore(dir, size_t{1} << 20);  // 1 MiB map
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Apply(1, 1, Puts({{"keep", "old"}})).ok());
  Pairs big = {{"keep", "new"}};
  for (int i = 0; i < 8; ++i) {
    big.emplace_back("big/" + std::to_string(i), std::string(200 << 10, 'x'));
  }
  Status st = s->Apply(2, 1, Puts(big));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(GetOr(*s, "keep"), "old");
  EXPECT_EQ(GetOr(*s, "big/0"), std::nullopt);
  EXPECT_EQ(s->applied_index(), 1u);
  // The store still works afterwards.
  ASSERT_TRUE(s->Apply(2, 1, Puts({{"keep", "newer"}})).ok());
  EXPECT_EQ(GetOr(*s, "keep"), "newer");
}

TEST(StoreTest, ReplayIsSkipped) {
  std::string dir = MakeTempDir();
  auto s = OpenStore(dir);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Apply(5, 2, Puts({{"k", "five"}})).ok());
  EXPECT_EQ(s->applied_index(), 5u);
  EXPECT_EQ(s->applied_term(), 2u);
  EXPECT_TRUE(s->Apply(5, 2, Puts({{"k", "again"}})).ok());
  EXPECT_TRUE(s->Apply(3, 1, Puts({{"k", "older"}, {"x", "1"}})).ok());
  // Skipped even if the replayed command would be invalid now.
  EXPECT_TRUE(s->Apply(4, 2, Puts({{"", "bad"}})).ok());
  EXPECT_EQ(GetOr(*s, "k"), "five");
  EXPECT_EQ(GetOr(*s, "x"), std::nullopt);
  EXPECT_EQ(s->applied_index(), 5u);
  ASSERT_TRUE(s->Apply(6, 3, Command{}).ok());  // a no-op entry advances
  EXPECT_EQ(s->applied_index(), 6u);
  EXPECT_EQ(s->applied_term(), 3u);
}

TEST(StoreTest, ReopenKeepsDataIndexesAndConfiguration) {
  std::string dir = MakeTempDir() + "/sub/fsm";
  {
    auto s = OpenStore(dir);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->configuration(), Configuration{});
    ASSERT_TRUE(s->Apply(41, 7, Puts({{"a", "1"}, {"b/c", "2"}})).ok());
    ASSERT_TRUE(s->SetConfiguration(ConfigOf("n1", 3)).ok());
  }
  struct stat st;
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir + "/vault.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(DirEntries(dir),
            (std::vector<std::string>{"vault.db", "vault.db-lock"}));

  auto s = OpenStore(dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(GetOr(*s, "a"), "1");
  EXPECT_EQ(GetOr(*s, "b/c"), "2");
  EXPECT_EQ(s->applied_index(), 41u);
  EXPECT_EQ(s->applied_term(), 7u);
  EXPECT_EQ(s->configuration(), ConfigOf("n1", 3));
}

TEST(StoreTest, OpenRemovesLeftoverRestoreFile) {
  std::string dir = MakeTempDir();
  std::ofstream(dir + "/vault.db.restore") << "half a restore";
  auto s = OpenStore(dir);
  ASSERT_TRUE(s);
  EXPECT_EQ(DirEntries(dir),
            (std::vector<std::string>{"vault.db", "vault.db-lock"}));
}

// A sink that records the size of every write.
class PieceSink : public StringSink {
 public:
  Status Write(ByteSpan data) override {
    pieces.push_back(data.size());
    return StringSink::Write(data);
  }
  std::vector<size_t> pieces;
};

TEST(StoreTest, SnapshotMetaAndState) {
  std::string dir = MakeTempDir();
  auto s = OpenStore(dir);
  ASSERT_TRUE(s);
  Pairs kv;
  for (int i = 0; i < 3000; ++i) {
    kv.emplace_back("logical/k" + std::to_string(i), std::string(200, 'a'));
  }
  kv.emplace_back("core/empty", "");
  kv.emplace_back("core/big", std::string(300 << 10, 'b'));  // direct write
  kv.emplace_back("Z", "upper sorts first");
  ASSERT_TRUE(s->Apply(10, 4, Puts(kv)).ok());

  {  // No configuration yet: {"Servers":null}.
    auto snap = s->OpenSnapshot();
    ASSERT_TRUE(snap.ok()) << snap.status().ToString();
    std::string json = snapshot::EncodeMeta((*snap)->meta());
    EXPECT_NE(json.find("\"Configuration\":{\"Servers\":null}"),
              std::string::npos)
        << json;
  }

  ASSERT_TRUE(s->SetConfiguration(ConfigOf("node1", 9)).ok());
  auto snap = s->OpenSnapshot();
  ASSERT_TRUE(snap.ok());
  const snapshot::SnapshotMeta& m = (*snap)->meta();
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.id, "bolt-snapshot");
  EXPECT_EQ(m.index, 10u);
  EXPECT_EQ(m.term, 4u);
  EXPECT_EQ(m.peers, std::nullopt);
  EXPECT_EQ(m.servers, ConfigOf("node1", 9).servers);
  EXPECT_EQ(m.configuration_index, 9u);

  PieceSink sink;
  ASSERT_TRUE((*snap)->WriteState(sink).ok());
  EXPECT_EQ(static_cast<int64_t>(sink.data().size()), m.size);
  EXPECT_GT(sink.pieces.size(), 3u);
  for (size_t p : sink.pieces) EXPECT_LE(p, size_t{320} << 10);

  std::sort(kv.begin(), kv.end());  // byte order
  EXPECT_EQ(ParseState(sink.data()), kv);
  // A second pass gives the same bytes.
  EXPECT_EQ(StateOf(**snap), sink.data());
}

TEST(StoreTest, SnapshotIsAConsistentView) {
  std::string dir = MakeTempDir();
  auto s = OpenStore(dir);
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Apply(1, 1, Puts({{"a", "1"}, {"b", "2"}})).ok());
  auto snap = s->OpenSnapshot();
  ASSERT_TRUE(snap.ok());
  Command later = Puts({{"a", "changed"}, {"c", "3"}});
  later.ops.push_back({Op::Kind::kDelete, "b", ""});
  ASSERT_TRUE(s->Apply(2, 1, later).ok());
  EXPECT_EQ((*snap)->meta().index, 1u);
  EXPECT_EQ(ParseState(StateOf(**snap)), (Pairs{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(GetOr(*s, "a"), "changed");
}

// Takes a snapshot of `from` and restores it into `to` in 7-byte pieces.
Status RestoreInto(Store& from, Store& to, uint64_t term) {
  auto snap = from.OpenSnapshot();
  VK_RETURN_IF_ERROR(snap.status());
  std::string state = StateOf(**snap);
  auto r = to.BeginRestore(state.size());
  VK_RETURN_IF_ERROR(r.status());
  for (size_t i = 0; i < state.size(); i += 7) {
    VK_RETURN_IF_ERROR(
        (*r)->Feed(AsBytes(std::string_view(state).substr(i, 7))));
  }
  VK_RETURN_IF_ERROR((*r)->Finish());
  return to.CommitRestore(std::move(*r), term, (*snap)->meta().index);
}

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
TEST(StoreTest, ApplyWithConfiguration) {
  std::string d = MakeTempDir();
  auto s = OpenStore(d);
  ASSERT_TRUE(s);
  Configuration c1 = ConfigOf("x", 5);
  ASSERT_TRUE(s->Apply(5, 1, Command{}, &c1).ok());
  EXPECT_EQ(s->applied_index(), 5u);
  EXPECT_EQ(s->configuration(), c1);
  Configuration c2 = ConfigOf("y", 5);
  ASSERT_TRUE(s->Apply(5, 1, Command{}, &c2).ok());  // replay
  EXPECT_EQ(s->configuration(), c1);
  s.reset();
  s = OpenStore(d);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->configuration(), c1);
}

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
