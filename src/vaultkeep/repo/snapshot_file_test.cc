#include "vaultkeep/repo/snapshot_file.h"

#include <gtest/gtest.h>

namespace vk::repo {
namespace {

Sha256Digest Id(uint8_t fill) {
  Sha256Digest d;
  d.fill(fill);
  return d;
}

std::string Hex(uint8_t fill) { return HexEncode(Id(fill)); }

// Captured from restic 0.14.0 on Debian 12: the decrypted, decompressed
// plaintext of snapshots/<id> (compact JSON, no trailing newline). The first
// is `restic backup src --tag t1 --host vmhost`, the second a later backup
// with `--exclude '*.tmp' --tag a --tag b`, which got a parent. As root,
// uid and gid are 0 and so omitted (omitempty).
constexpr char kResticSnapshot1[] =
    R"({"time":"2026-11-28T05:49:41.283348539Z",)"
    R"("tree":"6d4f4c8ff28787c1f6b0abc32c523931e7bf2f8ee8bab30748f10644b709ecd4",)"
    R"("paths":["/tmp/vk-tree-exp.hULl/src"],"hostname":"vmhost",)"
    R"("username":"root","tags":["t1"]})";
constexpr char kResticSnapshot2[] =
    R"({"time":"2026-11-28T05:52:12.945549095Z",)"
    R"("parent":"57c594d5ca3562391b4a775fc3efd9d394ba207ee2dda73c5a8effca3c1d84e4",)"
    R"("tree":"ac5e3eeee92596d3909aff11c40a705a228ff4f14740aea3602fa724c89e74f6",)"
    R"("paths":["/tmp/vk-tree-exp.hULl/src"],"hostname":"vmhost",)"
    R"("username":"root","excludes":["*.tmp"],"tags":["a","b"]})";

TEST(SnapshotFileTest, DecodesResticSnapshotsAndReencodesThemExactly) {
  for (const char* json : {kResticSnapshot1, kResticSnapshot2}) {
    auto s = DecodeSnapshotFile(json);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(EncodeSnapshotFile(*s), json);
  }
  SnapshotFile s = *DecodeSnapshotFile(kResticSnapshot2);
  EXPECT_EQ(s.time, "2026-11-28T05:52:12.945549095Z");
  ASSERT_TRUE(s.parent.has_value());
  EXPECT_EQ(HexEncode(*s.parent),
            "57c594d5ca3562391b4a775fc3efd9d394ba207ee2dda73c5a8effca3c1d84e4");
  EXPECT_EQ(HexEncode(s.tree),
            "ac5e3eeee92596d3909aff11c40a705a228ff4f14740aea3602fa724c89e74f6");
  EXPECT_EQ(s.paths, std::vector<std::string>{"/tmp/vk-tree-exp.hULl/src"});
  EXPECT_EQ(s.hostname, "vmhost");
  EXPECT_EQ(s.username, "root");
  EXPECT_EQ(s.uid, 0u);
  EXPECT_EQ(s.excludes, std::vector<std::string>{"*.tmp"});
  EXPECT_EQ(s.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(s.original.has_value());
  EXPECT_TRUE(s.summary.is_null());
  EXPECT_TRUE(s.extra.is_null());
}

TEST(SnapshotFileTest, MinimalSnapshotOmitsEmptyFields) {
  SnapshotFile s;
  s.time = "2026-01-02T03:04:05.000000006Z";
  s.tree = Id(7);
  EXPECT_EQ(EncodeSnapshotFile(s),
            R"({"time":"2026-01-02T03:04:05.000000006Z","tree":")" + Hex(7) +
                R"(","paths":[]})");
  auto back = DecodeSnapshotFile(EncodeSnapshotFile(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
}

TEST(SnapshotFileTest, RoundTripsEveryFieldInResticOrder) {
  SnapshotFile s;
  s.time = "2026-01-02T03:04:05.123+01:00";
  s.tree = Id(1);
  s.parent = Id(2);
  s.paths = {"/vault.snap"};
  s.hostname = "vault-0<&>";
  s.username = "vk";
  s.uid = 1000;
  s.gid = 1001;
  s.excludes = {"x"};
  s.tags = {"vault", "raft"};
  s.original = Id(3);
  s.program_version = "vaultkeep 0.1.0";
  s.summary = nlohmann::ordered_json::parse(
      R"({"backup_start":"2026-01-02T03:04:05Z","files_new":1,"data_added":9})");
  s.extra = nlohmann::ordered_json::parse(R"({"zz":[true,null],"aa":1.5})");
  std::string json = EncodeSnapshotFile(s);
  EXPECT_EQ(json,
            R"({"time":"2026-01-02T03:04:05.123+01:00","parent":")" + Hex(2) +
                R"(","tree":")" + Hex(1) + R"(","paths":["/vault.snap"],)" +
                R"("hostname":"vault-0\u003c\u0026\u003e",)" +
                R"("username":"vk","uid":1000,"gid":1001,)" +
                R"("excludes":["x"],"tags":["vault","raft"],)" +
                R"("original":")" + Hex(3) + R"(",)" +
                R"("program_version":"vaultkeep 0.1.0","summary":)" +
                R"({"backup_start":"2026-01-02T03:04:05Z","files_new":1,)" +
                R"("data_added":9},"zz":[true,null],"aa":1.5})");
  auto back = DecodeSnapshotFile(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, s);
  EXPECT_EQ(EncodeSnapshotFile(*back), json);
}

TEST(SnapshotFileTest, AcceptsNullOptionalFields) {
  auto s = DecodeSnapshotFile(
      R"({"time":"2026-01-02T03:04:05Z","tree":")" + Hex(1) +
      R"(","paths":[],"parent":null,"tags":null,"summary":null})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_FALSE(s->parent.has_value());
  EXPECT_TRUE(s->tags.empty());
  EXPECT_TRUE(s->summary.is_null());
}

TEST(SnapshotFileTest, RejectsMalformedSnapshots) {
  const std::string t = R"("time":"2026-01-02T03:04:05Z")";
  const std::string tree = R"("tree":")" + Hex(1) + "\"";
  const std::string p = R"("paths":["/a"])";
  auto obj = [](const std::string& a, const std::string& b,
                const std::string& c, const std::string& more = "") {
    std::string body = a;
    for (const std::string* f : {&b, &c, &more}) {
      if (!f->empty()) body += (body.empty() ? "" : ",") + *f;
    }
    return "{" + body + "}";
  };
  for (const std::string& json : {
           std::string("{"),
           std::string("[]"),
           std::string("null"),
           obj("", tree, p),
           obj(R"("time":"yesterday")", tree, p),
           obj(R"("time":5)", tree, p),
           obj(t, "", p),
           obj(t, R"("tree":null)", p),
           obj(t, R"("tree":")" + std::string(63, 'a') + "\"", p),
           obj(t, R"("tree":")" + std::string(64, 'z') + "\"", p),
           obj(t, tree, ""),
           obj(t, tree, R"("paths":"/a")"),
           obj(t, tree, R"("paths":null)"),
           obj(t, tree, R"("paths":[1])"),
           obj(t, tree, p, R"("parent":"abc")"),
           obj(t, tree, p, R"("original":7)"),
           obj(t, tree, p, R"("hostname":1)"),
           obj(t, tree, p, R"("uid":-1)"),
           obj(t, tree, p, R"("gid":4294967296)"),
           obj(t, tree, p, R"("tags":"a")"),
           obj(t, tree, p, R"("excludes":[null])"),
           obj(t, tree, p, R"("summary":[])"),
       }) {
    auto r = DecodeSnapshotFile(json);
    EXPECT_FALSE(r.ok()) << json;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << json;
      EXPECT_EQ(r.status().message().rfind("snapshot file: ", 0), 0u);
    }
  }
  EXPECT_TRUE(DecodeSnapshotFile(obj(t, tree, p)).ok());
}

}  // namespace
}  // namespace vk::repo
