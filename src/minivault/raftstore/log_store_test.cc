#include "minivault/raftstore/log_store.h"

#include <gtest/gtest.h>
#include <lmdb.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>

#include "kit/testing/test_dir.h"

namespace vk::raftstore {
namespace {

using raft::Entry;
using raft::HardState;
using Type = raft::Entry::Type;

Entry E(uint64_t index, uint64_t term, std::string data = "",
        Type type = Type::kNormal) {
  return Entry{.index = index, .term = term, .type = type, .data = data};
}

// Entries first..last, all of `term`, with data naming their index.
std::vector<Entry> Range(uint64_t first, uint64_t last, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = first; i <= last; ++i) {
    out.push_back(E(i, term, "cmd-" + std::to_string(i)));
  }
  return out;
}

std::unique_ptr<LogStore> OpenStore(const std::string& dir) {
  auto s = LogStore::Open({.dir = dir});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

LogStore::State LoadOr(const LogStore& s) {
  auto r = s.Load();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : LogStore::State{};
}

std::string RawKey(uint64_t index) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, index >>= 8) k[i] = static_cast<char>(index);
  return k;
}

// Edits raft.db with raw LMDB, as a damaged disk or a buggy writer would.
// No LogStore may have the file open.
using RawFn = std::function<void(MDB_txn*, MDB_dbi entries, MDB_dbi meta)>;
void RawEdit(const std::string& dir, const RawFn& f) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, 2), 0);
  ASSERT_EQ(mdb_env_open(env, (dir + "/raft.db").c_str(), MDB_NOSUBDIR, 0600),
            0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi entries, meta;
  ASSERT_EQ(mdb_dbi_open(txn, "entries", 0, &entries), 0);
  ASSERT_EQ(mdb_dbi_open(txn, "meta", 0, &meta), 0);
  f(txn, entries, meta);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

std::string RawGet(MDB_txn* txn, MDB_dbi dbi, const std::string& key) {
  MDB_val k{key.size(), const_cast<char*>(key.data())}, v;
  EXPECT_EQ(mdb_get(txn, dbi, &k, &v), 0);
  return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
}

void RawPut(MDB_txn* txn, MDB_dbi dbi, const std::string& key,
            const std::string& value) {
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  EXPECT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
}

void RawDel(MDB_txn* txn, MDB_dbi dbi, const std::string& key) {
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  EXPECT_EQ(mdb_del(txn, dbi, &k, nullptr), 0);
}

void FlipByte(MDB_txn* txn, MDB_dbi dbi, const std::string& key, size_t at) {
  std::string v = RawGet(txn, dbi, key);
  ASSERT_LT(at, v.size());
  v[at] ^= 0x20;
  RawPut(txn, dbi, key, v);
}

Status OpenAndLoad(const std::string& dir) {
  auto s = LogStore::Open({.dir = dir});
  if (!s.ok()) return s.status();
  return (*s)->Load().status();
}

class LogStoreTest : public ::testing::Test {
 protected:
  ~LogStoreTest() override {
    for (const std::string& d : dirs_) std::filesystem::remove_all(d);
  }
  // A fresh directory, removed after the test.
  std::string Dir() {
    dirs_.push_back(vk::testing::MakeTempDir());
    return dirs_.back();
  }
  // A closed store at a fresh directory holding entries 1..5 (term 1) and a
  // hard state.
  std::string MakeFiveEntryStore() {
    std::string dir = Dir();
    auto s = OpenStore(dir);
    EXPECT_TRUE(s->Save(HardState{1, 1, 3}, Range(1, 5, 1)).ok());
    return dir;
  }

 private:
  std::vector<std::string> dirs_;
};

TEST_F(LogStoreTest, FreshStoreLoadsEmpty) {
  auto s = OpenStore(Dir() + "/a/b");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->last_index(), 0u);
  EXPECT_EQ(s->base(), LogBase{});
  LogStore::State st = LoadOr(*s);
  EXPECT_EQ(st.hard_state, HardState{});
  EXPECT_EQ(st.base, LogBase{});
  EXPECT_TRUE(st.entries.empty());
  // Nothing to do is OK and stays empty.
  EXPECT_TRUE(s->Save(std::nullopt, {}).ok());
  EXPECT_TRUE(LoadOr(*s).entries.empty());
}

TEST_F(LogStoreTest, SaveLoadRoundTrip) {
  std::string big(size_t{1} << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131);
  std::vector<Entry> entries = {
      E(1, 1),  // a leader's no-op: empty data
      E(2, 1, std::string("a\0b", 3)),
      E(3, 2, "conf", Type::kConfChange),
      E(4, 2, big),
      E(5, 3, "tail"),
  };
  auto s = OpenStore(Dir());
  HardState hs{.term = 3, .vote = 2, .commit = 4};
  ASSERT_TRUE(s->Save(hs, entries).ok());
  EXPECT_EQ(s->last_index(), 5u);
  LogStore::State st = LoadOr(*s);
  EXPECT_EQ(st.hard_state, hs);
  EXPECT_EQ(st.base, LogBase{});
  EXPECT_EQ(st.entries, entries);
}

TEST_F(LogStoreTest, AppendsAcrossSaves) {
  auto s = OpenStore(Dir());
  ASSERT_TRUE(s->Save(std::nullopt, Range(1, 2, 1)).ok());
  ASSERT_TRUE(s->Save(std::nullopt, Range(3, 6, 1)).ok());
  EXPECT_EQ(s->last_index(), 6u);
  EXPECT_EQ(LoadOr(*s).entries, Range(1, 6, 1));
}

TEST_F(LogStoreTest, TruncationReplacesTheSuffix) {
  auto s = OpenStore(Dir());
  ASSERT_TRUE(s->Save(std::nullopt, Range(1, 5, 1)).ok());
  // A new leader's shorter log wins from index 3 on: 4 and 5 disappear.
  ASSERT_TRUE(s->Save(std::nullopt, {E(3, 2, "x")}).ok());
  EXPECT_EQ(s->last_index(), 3u);
  std::vector<Entry> want = Range(1, 2, 1);
  want.push_back(E(3, 2, "x"));
  EXPECT_EQ(LoadOr(*s).entries, want);

  // Replacing the last entry with a longer run.
  ASSERT_TRUE(s->Save(std::nullopt, {E(3, 3, "y"), E(4, 3, "z")}).ok());
  want.back() = E(3, 3, "y");
  want.push_back(E(4, 3, "z"));
  EXPECT_EQ(s->last_index(), 4u);
  EXPECT_EQ(LoadOr(*s).entries, want);

  // Replacing from the very first entry.
  ASSERT_TRUE(s->Save(std::nullopt, {E(1, 4, "w")}).ok());
  EXPECT_EQ(s->last_index(), 1u);
  EXPECT_EQ(LoadOr(*s).entries, std::vector<Entry>{E(1, 4, "w")});
}

TEST_F(LogStoreTest, HardStateAlone) {
  auto s = OpenStore(Dir());
  ASSERT_TRUE(s->Save(HardState{1, 0, 0}, Range(1, 2, 1)).ok());
  ASSERT_TRUE(s->Save(HardState{5, 3, 2}, {}).ok());
  LogStore::State st = LoadOr(*s);
  EXPECT_EQ(st.hard_state, (HardState{5, 3, 2}));
  EXPECT_EQ(st.entries, Range(1, 2, 1));
  EXPECT_EQ(s->last_index(), 2u);
}

TEST_F(LogStoreTest, CompactThenLoad) {
  auto s = OpenStore(Dir());
  std::vector<Entry> entries = Range(1, 4, 1);
  for (Entry e : Range(5, 10, 2)) entries.push_back(e);
  ASSERT_TRUE(s->Save(HardState{2, 1, 8}, entries).ok());

  LogBase base{.index = 6, .term = 2, .voters = {1, 2, 3}};
  ASSERT_TRUE(s->Compact(base).ok());
  EXPECT_EQ(s->base(), base);
  EXPECT_EQ(s->last_index(), 10u);
  LogStore::State st = LoadOr(*s);
  EXPECT_EQ(st.base, base);
  EXPECT_EQ(st.hard_state, (HardState{2, 1, 8}));
  EXPECT_EQ(st.entries, std::vector<Entry>(entries.begin() + 6, entries.end()));

  // Same position, new voters: only the base changes.
  base.voters = {1, 2};
  ASSERT_TRUE(s->Compact(base).ok());
  EXPECT_EQ(LoadOr(*s).base, base);

  // Compacting everything keeps last_index; appending continues after it.
  ASSERT_TRUE(s->Compact({.index = 10, .term = 2}).ok());
  EXPECT_EQ(s->last_index(), 10u);
  EXPECT_TRUE(LoadOr(*s).entries.empty());
  ASSERT_TRUE(s->Save(std::nullopt, {E(11, 3, "n")}).ok());
  st = LoadOr(*s);
  EXPECT_EQ(st.base, (LogBase{.index = 10, .term = 2}));
  EXPECT_EQ(st.entries, std::vector<Entry>{E(11, 3, "n")});
}

TEST_F(LogStoreTest, CompactRejectsBadBases) {
  auto s = OpenStore(Dir());
  ASSERT_TRUE(s->Save(std::nullopt, Range(1, 5, 1)).ok());
  ASSERT_TRUE(s->Compact({.index = 2, .term = 1}).ok());
  LogStore::State before = LoadOr(*s);
  for (const LogBase& b : {LogBase{.index = 1, .term = 1},     // below base
                           LogBase{.index = 6, .term = 1},     // past the end
                           LogBase{.index = 4, .term = 2},     // wrong term
                           LogBase{.index = 2, .term = 3}}) {  // base's term
    Status st = s->Compact(b);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument)
        << b.index << ": " << st.ToString();
  }
  LogStore::State after = LoadOr(*s);
  EXPECT_EQ(after.base, before.base);
  EXPECT_EQ(after.entries, before.entries);
  EXPECT_EQ(s->base(), (LogBase{.index = 2, .term = 1}));
  EXPECT_EQ(s->last_index(), 5u);
}

TEST_F(LogStoreTest, ResetReplacesTheLog) {
  auto s = OpenStore(Dir());
  ASSERT_TRUE(s->Save(HardState{1, 1, 3}, Range(1, 5, 1)).ok());
  LogBase base{.index = 100, .term = 7, .voters = {1, 2, 3}};
  ASSERT_TRUE(s->Reset(base, HardState{7, 2, 100}).ok());
  EXPECT_EQ(s->last_index(), 100u);
  EXPECT_EQ(s->base(), base);
  LogStore::State st = LoadOr(*s);
  EXPECT_EQ(st.base, base);
  EXPECT_EQ(st.hard_state, (HardState{7, 2, 100}));
  EXPECT_TRUE(st.entries.empty());

  EXPECT_EQ(s->Save(std::nullopt, {E(50, 7)}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Save(std::nullopt, {E(102, 7)}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Save(std::nullopt, {E(101, 6)}).code(),
            StatusCode::kInvalidArgument);  // below the base's term
  ASSERT_TRUE(s->Save(std::nullopt, {E(101, 7, "a")}).ok());
  EXPECT_EQ(LoadOr(*s).entries, std::vector<Entry>{E(101, 7, "a")});

  // Without a hard state the stored one stays.
  ASSERT_TRUE(s->Reset({.index = 200, .term = 8}, std::nullopt).ok());
  st = LoadOr(*s);
  EXPECT_EQ(st.hard_state, (HardState{7, 2, 100}));
  EXPECT_TRUE(st.entries.empty());

  // The voters of an empty log (raft's base_voters).
  auto fresh = OpenStore(Dir());
  ASSERT_TRUE(fresh->Reset({.voters = {4, 5}}, std::nullopt).ok());
  ASSERT_TRUE(fresh->Save(std::nullopt, {E(1, 1)}).ok());
  EXPECT_EQ(LoadOr(*fresh).base, (LogBase{.voters = {4, 5}}));

  EXPECT_EQ(s->Reset({.index = 5, .term = 0}, std::nullopt).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Reset({.index = 0, .term = 3}, std::nullopt).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s->base().index, 200u);
}

TEST_F(LogStoreTest, ReopenKeepsEverything) {
  std::string dir = Dir();
  LogStore::State saved;
  {
    auto s = OpenStore(dir);
    ASSERT_TRUE(s->Save(HardState{3, 1, 7}, Range(1, 8, 3)).ok());
    ASSERT_TRUE(s->Compact({.index = 4, .term = 3, .voters = {1, 9}}).ok());
    ASSERT_TRUE(s->Save(std::nullopt, {E(8, 3, "new"), E(9, 3)}).ok());
    saved = LoadOr(*s);
  }
  auto s = OpenStore(dir);
  EXPECT_EQ(s->last_index(), 9u);
  EXPECT_EQ(s->base(), (LogBase{.index = 4, .term = 3, .voters = {1, 9}}));
  LogStore::State st = LoadOr(*s);
  EXPECT_EQ(st.hard_state, (HardState{3, 1, 7}));
  EXPECT_EQ(st.base, saved.base);
  EXPECT_EQ(st.entries, saved.entries);
  ASSERT_EQ(st.entries.size(), 5u);
  EXPECT_EQ(st.entries.front().index, 5u);
  EXPECT_EQ(st.entries[3], E(8, 3, "new"));
}

TEST_F(LogStoreTest, InvalidSavesWriteNothing) {
  auto s = OpenStore(Dir());
  ASSERT_TRUE(s->Save(HardState{2, 1, 1}, Range(1, 6, 2)).ok());
  ASSERT_TRUE(s->Compact({.index = 2, .term = 2}).ok());
  LogStore::State before = LoadOr(*s);

  struct Case {
    const char* name;
    std::vector<Entry> entries;
  };
  std::vector<Case> cases = {
      {"gap after the end", {E(8, 2)}},
      {"at the base", {E(2, 2)}},
      {"below the base", {E(1, 2)}},
      {"not contiguous", {E(7, 2), E(9, 2)}},
      {"descending", {E(7, 2), E(6, 2)}},
      {"term decreasing in the batch", {E(7, 3), E(8, 2)}},
      {"term below the entry before", {E(5, 1)}},
      {"term 0", {E(7, 0)}},
      {"unknown type", {E(7, 2, "", static_cast<Type>(7))}},
  };
  for (const Case& c : cases) {
    Status st = s->Save(HardState{9, 9, 9}, c.entries);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument)
        << c.name << ": " << st.ToString();
  }
  LogStore::State after = LoadOr(*s);
  EXPECT_EQ(after.hard_state, before.hard_state);
  EXPECT_EQ(after.base, before.base);
  EXPECT_EQ(after.entries, before.entries);
  EXPECT_EQ(s->last_index(), 6u);
  // Still usable: a rejected argument is not a failed commit.
  EXPECT_TRUE(s->Save(std::nullopt, {E(7, 2)}).ok());
}

TEST_F(LogStoreTest, IndexZeroIsRejectedOnAnEmptyLog) {
  auto s = OpenStore(Dir());
  EXPECT_EQ(s->Save(std::nullopt, {E(0, 1)}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s->Save(std::nullopt, {E(2, 1)}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(s->last_index(), 0u);
}

TEST_F(LogStoreTest, AFullMapWritesNothingAndStaysUsable) {
  auto r = LogStore::Open({.dir = Dir(), .map_size = size_t{1} << 20});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  LogStore& s = **r;
  ASSERT_TRUE(s.Save(HardState{1, 0, 0}, Range(1, 2, 1)).ok());
  Status st =
      s.Save(HardState{2, 0, 0},
             {E(3, 2, "a"), E(4, 2, std::string(size_t{2} << 20, 'x'))});
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("MDB_MAP_FULL"), std::string::npos)
      << st.message();
  EXPECT_EQ(s.last_index(), 2u);
  LogStore::State state = LoadOr(s);
  EXPECT_EQ(state.hard_state, (HardState{1, 0, 0}));
  EXPECT_EQ(state.entries, Range(1, 2, 1));
  ASSERT_TRUE(s.Save(std::nullopt, {E(3, 2, "a")}).ok());
  EXPECT_EQ(s.last_index(), 3u);
}

TEST_F(LogStoreTest, FlippedEntryBytesAreCorruption) {
  // Offsets into an entry value: version, type, term, data.
  for (size_t at : {0, 1, 5, 10, 12}) {
    std::string dir = MakeFiveEntryStore();
    RawEdit(dir, [&](MDB_txn* txn, MDB_dbi entries, MDB_dbi) {
      FlipByte(txn, entries, RawKey(3), at);
    });
    Status st = OpenAndLoad(dir);
    EXPECT_EQ(st.code(), StatusCode::kCorruption)
        << at << ": " << st.ToString();
    EXPECT_NE(st.message().find("entry 3"), std::string::npos) << st.message();
  }
}

TEST_F(LogStoreTest, AValueUnderAnotherIndexIsCorruption) {
  std::string dir = MakeFiveEntryStore();
  RawEdit(dir, [&](MDB_txn* txn, MDB_dbi entries, MDB_dbi) {
    RawPut(txn, entries, RawKey(4), RawGet(txn, entries, RawKey(3)));
  });
  Status st = OpenAndLoad(dir);
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find("checksum"), std::string::npos) << st.message();
}

TEST_F(LogStoreTest, AGapIsCorruption) {
  std::string dir = MakeFiveEntryStore();
  RawEdit(dir, [&](MDB_txn* txn, MDB_dbi entries, MDB_dbi) {
    RawDel(txn, entries, RawKey(3));
  });
  auto s = LogStore::Open({.dir = dir});
  ASSERT_TRUE(s.ok()) << s.status().ToString();  // Open checks only the ends
  Status st = (*s)->Load().status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find("entry 4 follows entry 2"), std::string::npos)
      << st.message();
}

TEST_F(LogStoreTest, ALogNotFollowingItsBaseIsCorruption) {
  std::string dir = MakeFiveEntryStore();
  RawEdit(dir, [&](MDB_txn* txn, MDB_dbi entries, MDB_dbi) {
    RawDel(txn, entries, RawKey(1));
  });
  Status st = LogStore::Open({.dir = dir}).status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
}

TEST_F(LogStoreTest, ABadKeyIsCorruption) {
  std::string dir = MakeFiveEntryStore();
  RawEdit(dir, [&](MDB_txn* txn, MDB_dbi entries, MDB_dbi) {
    RawPut(txn, entries, std::string(8, '\0') + "x", "v");  // sorts in the log
  });
  EXPECT_EQ(OpenAndLoad(dir).code(), StatusCode::kCorruption);
}

TEST_F(LogStoreTest, DecreasingTermsOnDiskAreCorruption) {
  std::string dir = Dir();
  {
    auto s = OpenStore(dir);
    ASSERT_TRUE(s->Save(std::nullopt, {E(1, 2), E(2, 2)}).ok());
  }
  std::string other = Dir();
  {
    auto s = OpenStore(other);
    ASSERT_TRUE(s->Save(std::nullopt, {E(1, 1), E(2, 1)}).ok());
  }
  // Entry 2 of term 1 (a valid record) after entry 1 of term 2.
  std::string value;
  RawEdit(other, [&](MDB_txn* txn, MDB_dbi entries, MDB_dbi) {
    value = RawGet(txn, entries, RawKey(2));
  });
  RawEdit(dir, [&](MDB_txn* txn, MDB_dbi entries, MDB_dbi) {
    RawPut(txn, entries, RawKey(2), value);
  });
  Status st = OpenAndLoad(dir);
  EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find("term 1"), std::string::npos) << st.message();
}

TEST_F(LogStoreTest, DamagedMetaRecordsAreCorruption) {
  for (const char* key : {"base", "hard_state"}) {
    std::string dir = MakeFiveEntryStore();
    {
      auto s = OpenStore(dir);
      ASSERT_TRUE(s->Compact({.index = 1, .term = 1, .voters = {1}}).ok());
    }
    RawEdit(dir, [&](MDB_txn* txn, MDB_dbi, MDB_dbi meta) {
      FlipByte(txn, meta, key, 3);
    });
    Status st = LogStore::Open({.dir = dir}).status();
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << key << st.ToString();
    EXPECT_NE(st.message().find(key), std::string::npos) << st.message();
  }
  // Truncated: a valid prefix without its checksum.
  std::string dir = MakeFiveEntryStore();
  RawEdit(dir, [&](MDB_txn* txn, MDB_dbi, MDB_dbi meta) {
    RawPut(txn, meta, "hard_state",
           RawGet(txn, meta, "hard_state").substr(0, 9));
  });
  EXPECT_EQ(LogStore::Open({.dir = dir}).status().code(),
            StatusCode::kCorruption);
}

TEST_F(LogStoreTest, AFileThatIsNotLmdbIsCorruption) {
  std::string dir = Dir();
  FILE* f = std::fopen((dir + "/raft.db").c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::string junk(16384, 'x');
  ASSERT_EQ(std::fwrite(junk.data(), 1, junk.size(), f), junk.size());
  std::fclose(f);
  EXPECT_EQ(LogStore::Open({.dir = dir}).status().code(),
            StatusCode::kCorruption);
}

TEST_F(LogStoreTest, FileModes) {
  std::string dir = Dir() + "/raft";
  auto s = OpenStore(dir);
  ASSERT_TRUE(s->Save(std::nullopt, {E(1, 1)}).ok());
  struct stat st;
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const char* name : {"/raft.db", "/raft.db-lock"}) {
    ASSERT_EQ(::stat((dir + name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  EXPECT_EQ(s->path(), dir + "/raft.db");
}

TEST_F(LogStoreTest, OneStorePerFile) {
  std::string dir = Dir();
  auto s = OpenStore(dir);
  EXPECT_EQ(LogStore::Open({.dir = dir}).status().code(),
            StatusCode::kFailedPrecondition);
  s.reset();
  EXPECT_TRUE(LogStore::Open({.dir = dir}).ok());
}

TEST_F(LogStoreTest, EmptyDirIsInvalid) {
  EXPECT_EQ(LogStore::Open({}).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vk::raftstore
