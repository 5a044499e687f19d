#include "minivault/fsm/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "minivault/fsm/store_test_util.h"

namespace vk::fsm {
namespace {

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

// The same LMDB error mapping as the raft log: a damaged file is
// kCorruption, not an I/O error.
TEST(StoreTest, AFileThatIsNotLmdbIsCorruption) {
  std::string dir = MakeTempDir();
  std::ofstream(dir + "/vault.db") << std::string(16384, 'x');
  auto s = Store::Open({.dir = dir});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kCorruption)
      << s.status().ToString();
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

}  // namespace
}  // namespace vk::fsm
