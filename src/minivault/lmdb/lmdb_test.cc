#include "minivault/lmdb/lmdb.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "kit/testing/test_dir.h"

namespace vk::lmdb {
namespace {

TEST(LmdbErrorTest, DamageIsCorruption) {
  for (int rc :
       {MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_INVALID, MDB_INCOMPATIBLE}) {
    Status st = LmdbError(rc, "read x");
    EXPECT_EQ(st.code(), StatusCode::kCorruption) << rc;
    EXPECT_EQ(st.message(), std::string("read x: ") + mdb_strerror(rc));
  }
}

TEST(LmdbErrorTest, OtherLmdbCodesAreIOErrors) {
  for (int rc : {MDB_MAP_FULL, MDB_READERS_FULL, MDB_TXN_FULL, MDB_BAD_TXN}) {
    EXPECT_EQ(LmdbError(rc, "w").code(), StatusCode::kIOError) << rc;
  }
}

TEST(LmdbErrorTest, ErrnoValuesMapLikeErrnoStatus) {
  EXPECT_EQ(LmdbError(ENOENT, "open a"), ErrnoStatus("open a", ENOENT));
  EXPECT_EQ(LmdbError(EACCES, "open a").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(LmdbError(ENOSPC, "open a").code(), StatusCode::kIOError);
}

class LmdbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = vk::testing::MakeTempDir() + "/test.db";
    auto env = Env::Open(path_, {.map_size = size_t{16} << 20,
                                 .max_dbs = 2,
                                 .flags = MDB_NOSUBDIR | MDB_NOTLS});
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = std::move(*env);
    auto txn = Txn::Begin(env_, 0, "setup");
    ASSERT_TRUE(txn.ok());
    auto dbi = txn->OpenDbi("d", MDB_CREATE);
    ASSERT_TRUE(dbi.ok()) << dbi.status().ToString();
    dbi_ = *dbi;
    ASSERT_TRUE(txn->Commit("setup").ok());
  }

  void PutCommitted(std::string_view k, std::string_view v) {
    auto txn = Txn::Begin(env_, 0, "put");
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(dbi_, k, v, 0, "put").ok());
    ASSERT_TRUE(txn->Commit("put").ok());
  }

  std::optional<std::string> Read(std::string_view k) {
    auto txn = Txn::Begin(env_, MDB_RDONLY, "read");
    EXPECT_TRUE(txn.ok());
    if (!txn.ok()) return std::nullopt;
    auto v = txn->Get(dbi_, k);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    if (!v.ok() || !*v) return std::nullopt;
    return std::string(**v);
  }

  std::string path_;
  Env env_;
  Dbi dbi_;
};

TEST_F(LmdbTest, CommittedWritesPersistAcrossReopen) {
  PutCommitted("a", "1");
  EXPECT_EQ(Read("a"), "1");
  EXPECT_EQ(Read("b"), std::nullopt);
  env_.Close();
  EXPECT_FALSE(env_.is_open());
  auto env = Env::Open(path_, {.max_dbs = 2, .flags = MDB_NOSUBDIR});
  ASSERT_TRUE(env.ok());
  env_ = std::move(*env);
  auto txn = Txn::Begin(env_, 0, "reopen");
  ASSERT_TRUE(txn.ok());
  auto dbi = txn->OpenDbi("d", 0);
  ASSERT_TRUE(dbi.ok());
  EXPECT_EQ(**txn->Get(*dbi, "a"), "1");
}

TEST_F(LmdbTest, UncommittedTxnAbortsOnDestruction) {
  {
    auto txn = Txn::Begin(env_, 0, "write");
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(dbi_, "a", "1", 0, "put").ok());
    EXPECT_EQ(**txn->Get(dbi_, "a"), "1");  // visible inside
  }
  EXPECT_EQ(Read("a"), std::nullopt);
  // The write lock was released: another write transaction can begin.
  PutCommitted("b", "2");
  EXPECT_EQ(Read("b"), "2");
}

TEST_F(LmdbTest, MovedTxnIsCommittedOnceAndAbortIsIdempotent) {
  auto begun = Txn::Begin(env_, 0, "write");
  ASSERT_TRUE(begun.ok());
  Txn txn = std::move(*begun);
  EXPECT_FALSE(begun->active());
  ASSERT_TRUE(txn.Put(dbi_, "k", "v", 0, "put").ok());
  ASSERT_TRUE(txn.Commit("write").ok());
  EXPECT_FALSE(txn.active());
  txn.Abort();
  EXPECT_EQ(Read("k"), "v");
}

TEST_F(LmdbTest, DelClearCountAndReserve) {
  auto txn = Txn::Begin(env_, 0, "write");
  ASSERT_TRUE(txn.ok());
  auto room = txn->Reserve(dbi_, "r", 3, 0, "reserve");
  ASSERT_TRUE(room.ok());
  std::copy_n("abc", 3, *room);
  ASSERT_TRUE(txn->Put(dbi_, "x", "y", 0, "put").ok());
  EXPECT_EQ(*txn->Count(dbi_, "count"), 2u);
  EXPECT_EQ(*txn->Del(dbi_, "x", "del"), true);
  EXPECT_EQ(*txn->Del(dbi_, "x", "del"), false);
  ASSERT_TRUE(txn->Commit("write").ok());
  EXPECT_EQ(Read("r"), "abc");

  auto clear = Txn::Begin(env_, 0, "clear");
  ASSERT_TRUE(clear.ok());
  ASSERT_TRUE(clear->Clear(dbi_, "clear").ok());
  EXPECT_EQ(*clear->Count(dbi_, "count"), 0u);
  ASSERT_TRUE(clear->Commit("clear").ok());
  EXPECT_EQ(Read("r"), std::nullopt);
}

TEST_F(LmdbTest, CursorWalksSeeksAndDeletes) {
  for (const char* k : {"a", "b/1", "b/2", "c"}) PutCommitted(k, k);
  auto txn = Txn::Begin(env_, 0, "walk");
  ASSERT_TRUE(txn.ok());
  {
    auto cur = Cursor::Open(*txn, dbi_);
    ASSERT_TRUE(cur.ok());
    std::vector<std::string> keys;
    for (auto more = cur->First(); *more; more = cur->Next()) {
      ASSERT_TRUE(more.ok());
      keys.emplace_back(cur->key());
      EXPECT_EQ(cur->key(), cur->value());
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"a", "b/1", "b/2", "c"}));
    ASSERT_TRUE(*cur->Seek("b"));
    EXPECT_EQ(cur->key(), "b/1");
    ASSERT_TRUE(cur->Del("del").ok());
    ASSERT_TRUE(*cur->Seek(""));
    EXPECT_EQ(cur->key(), "a");
    ASSERT_TRUE(*cur->Last());
    EXPECT_EQ(cur->key(), "c");
    EXPECT_FALSE(*cur->Next());
    EXPECT_FALSE(*cur->Seek("d"));
  }
  ASSERT_TRUE(txn->Commit("walk").ok());
  EXPECT_EQ(Read("b/1"), std::nullopt);
  EXPECT_EQ(Read("b/2"), "b/2");
}

TEST_F(LmdbTest, EmptyDatabaseHasNoFirst) {
  auto txn = Txn::Begin(env_, MDB_RDONLY, "read");
  ASSERT_TRUE(txn.ok());
  auto cur = Cursor::Open(*txn, dbi_);
  ASSERT_TRUE(cur.ok());
  auto first = cur->First();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(*first);
}

TEST_F(LmdbTest, MapFullIsAnIOErrorAndWritesNothing) {
  auto txn = Txn::Begin(env_, 0, "big");
  ASSERT_TRUE(txn.ok());
  std::string big(size_t{1} << 20, 'x');
  Status st;
  for (int i = 0; i < 64 && st.ok(); ++i) {
    // Not "k" + to_string(i): GCC 12 at -O3 warns falsely (-Wrestrict).
    char key[16];
    std::snprintf(key, sizeof key, "k%d", i);
    st = txn->Put(dbi_, key, big, 0, "put big");
  }
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_NE(st.message().find("MDB_MAP_FULL"), std::string::npos);
  EXPECT_EQ(st.message().rfind("put big: ", 0), 0u);
}

TEST_F(LmdbTest, MaxKeySizeIsLmdbs) {
  EXPECT_EQ(env_.max_key_size(),
            static_cast<size_t>(mdb_env_get_maxkeysize(env_.get())));
  EXPECT_GT(env_.max_key_size(), 0u);
}

TEST(LmdbEnvTest, AFileThatIsNotLmdbIsCorruption) {
  std::string path = vk::testing::MakeTempDir() + "/garbage.db";
  std::ofstream(path) << std::string(16384, 'g');
  auto env = Env::Open(path, {.flags = MDB_NOSUBDIR});
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), StatusCode::kCorruption)
      << env.status().ToString();
  EXPECT_EQ(env.status().message().rfind("open " + path + ": ", 0), 0u);
}

TEST(LmdbEnvTest, AMissingDirectoryIsNotFound) {
  std::string path = vk::testing::MakeTempDir() + "/no/such/dir.db";
  auto env = Env::Open(path, {.flags = MDB_NOSUBDIR});
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace vk::lmdb
