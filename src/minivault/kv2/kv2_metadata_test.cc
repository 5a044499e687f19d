// The KV v2 engine: metadata, custom metadata, lists, config; the
// metadata record codec and Go durations.
#include <gtest/gtest.h>

#include "minivault/kv2/kv2_test_util.h"
#include "minivault/kv2/metadata.h"

namespace vk::kv2 {
namespace {

TEST_F(Kv2Test, MetadataReadShape) {
  ASSERT_EQ(Put("k", {{"v", 1}}).status, 200);
  Advance(seconds(1));
  ASSERT_EQ(Put("k", {{"v", 2}}).status, 200);
  Json meta = Meta("k");
  EXPECT_EQ(meta, Json::parse(R"({"cas_required":false,
      "created_time":"2026-11-28T10:00:00.123456789Z","current_version":2,
      "custom_metadata":null,"delete_version_after":"0s","max_versions":0,
      "oldest_version":0,"updated_time":"2026-11-28T10:00:01.123456789Z",
      "versions":{
        "1":{"created_time":"2026-11-28T10:00:00.123456789Z",
             "deletion_time":"","destroyed":false},
        "2":{"created_time":"2026-11-28T10:00:01.123456789Z",
             "deletion_time":"","destroyed":false}}})"));
}

TEST_F(Kv2Test, MetadataWriteCreatesSettingsOnlySecret) {
  EXPECT_EQ(engine_.ResolveWriteOperation("metadata/new").value(),
            Operation::kCreate);
  Response w = Do(Operation::kCreate, "metadata/new",
                  {{"max_versions", 4},
                   {"cas_required", false},
                   {"delete_version_after", "1h30m"},
                   {"custom_metadata", {{"owner", "ops"}, {"n", 7}}}});
  EXPECT_EQ(w.status, 204);
  EXPECT_TRUE(w.data.is_null());
  EXPECT_EQ(Meta("new"), Json::parse(R"({"cas_required":false,
      "created_time":"2026-11-28T10:00:00.123456789Z","current_version":0,
      "custom_metadata":{"n":"7","owner":"ops"},
      "delete_version_after":"1h30m0s","max_versions":4,"oldest_version":0,
      "updated_time":"2026-11-28T10:00:00.123456789Z","versions":{}})"));
  EXPECT_EQ(engine_.ResolveWriteOperation("metadata/new").value(),
            Operation::kUpdate);
  // No version yet: reading data is a plain 404.
  EXPECT_EQ(Get("new").status, 404);
  EXPECT_TRUE(Get("new").data.is_null());

  // A write with no settings stores nothing.
  EXPECT_EQ(Do(Operation::kCreate, "metadata/empty", Json::object()).status,
            204);
  EXPECT_EQ(store_.kv.count("metadata/empty"), 0u);

  // A second write replaces custom_metadata and leaves other settings.
  EXPECT_EQ(Do(Operation::kUpdate, "metadata/new",
               {{"custom_metadata", {{"team", "x"}}}})
                .status,
            204);
  Json meta = Meta("new");
  EXPECT_EQ(meta["custom_metadata"], Json({{"team", "x"}}));
  EXPECT_EQ(meta["max_versions"], 4);
  EXPECT_EQ(meta["delete_version_after"], "1h30m0s");
}

TEST_F(Kv2Test, CustomMetadataShowsInDataResponses) {
  ASSERT_EQ(Do(Operation::kCreate, "metadata/k",
               {{"custom_metadata", {{"owner", "ops"}}}})
                .status,
            204);
  Response w = Put("k", {{"v", 1}});
  EXPECT_EQ(w.data["custom_metadata"], Json({{"owner", "ops"}}));
  EXPECT_EQ(Get("k").data["metadata"]["custom_metadata"],
            Json({{"owner", "ops"}}));
}

TEST_F(Kv2Test, DeleteVersionAfterSetsDeletionTime) {
  ASSERT_EQ(Do(Operation::kUpdate, "metadata/k", {{"delete_version_after", 60}})
                .status,
            204);
  Response w = Put("k", {{"v", 1}});
  EXPECT_EQ(w.data["deletion_time"], FormatRfc3339(T0() + seconds(60)));
  EXPECT_EQ(Get("k").status, 200);  // not yet due
  Advance(seconds(61));
  Response r = Get("k");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.data["data"].is_null());
  // The config's smaller value wins.
  ASSERT_EQ(Do(Operation::kUpdate, "config", {{"delete_version_after", "30s"}})
                .status,
            204);
  Response w2 = Put("k", {{"v", 2}});
  EXPECT_EQ(w2.data["deletion_time"], FormatRfc3339(now_ + seconds(30)));
}

TEST_F(Kv2Test, MetadataDeleteRemovesEverything) {
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(Put("a/b", {{"v", i}}).status, 200);
  ASSERT_EQ(Put("keep", {{"v", 1}}).status, 200);
  // An unreferenced record, as an interrupted write could leave.
  store_.kv[VersionKey("a/b", 4)] = R"({"data":{}})";
  EXPECT_EQ(Do(Operation::kDelete, "metadata/a/b").status, 204);
  for (const auto& [k, v] : store_.kv) {
    EXPECT_TRUE(k == "metadata/keep" || k == VersionKey("keep", 1)) << k;
  }
  EXPECT_EQ(store_.kv.size(), 2u);
  EXPECT_EQ(Get("a/b").status, 404);
  EXPECT_EQ(Do(Operation::kDelete, "metadata/a/b").status, 204);
  // A new secret under the same name starts over at version 1.
  EXPECT_EQ(Put("a/b", {{"v", 9}}).data["version"], 1);
}

TEST_F(Kv2Test, ListFolders) {
  for (const char* name : {"a", "b/c", "b/d/e", "a/x"}) {
    ASSERT_EQ(Put(name, {{"v", 1}}).status, 200);
  }
  Response root = Do(Operation::kList, "metadata/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.data, Json::parse(R"({"keys":["a","a/","b/"]})"));
  EXPECT_EQ(Do(Operation::kList, "metadata").data, root.data);
  EXPECT_EQ(Do(Operation::kList, "metadata/b/").data,
            Json::parse(R"({"keys":["c","d/"]})"));
  EXPECT_EQ(Do(Operation::kList, "metadata/b").data,
            Json::parse(R"({"keys":["c","d/"]})"));
  Response none = Do(Operation::kList, "metadata/zzz/");
  EXPECT_EQ(none.status, 404);
  EXPECT_TRUE(none.data.is_null());
  EXPECT_EQ(Do(Operation::kList, "metadata/b/../").status, 400);
  // A settings-only secret is listed too; an empty mount lists nothing.
  ASSERT_EQ(Do(Operation::kDelete, "metadata/a").status, 204);
  ASSERT_EQ(Do(Operation::kDelete, "metadata/a/x").status, 204);
  EXPECT_EQ(Do(Operation::kList, "metadata/").data,
            Json::parse(R"({"keys":["b/"]})"));
}

TEST_F(Kv2Test, EmptyMountListIs404) {
  EXPECT_EQ(Do(Operation::kList, "metadata/").status, 404);
}

TEST_F(Kv2Test, Config) {
  Response r = Do(Operation::kRead, "config");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.data, Json::parse(R"({"cas_required":false,
      "delete_version_after":"0s","max_versions":0})"));
  EXPECT_EQ(Do(Operation::kUpdate, "config",
               {{"max_versions", "7"},
                {"cas_required", true},
                {"delete_version_after", "90s"}})
                .status,
            204);
  EXPECT_EQ(Do(Operation::kRead, "config").data,
            Json::parse(R"({"cas_required":true,
      "delete_version_after":"1m30s","max_versions":7})"));
  // Fields left out keep their values.
  EXPECT_EQ(Do(Operation::kUpdate, "config", {{"max_versions", 2}}).status,
            204);
  EXPECT_EQ(Do(Operation::kRead, "config").data["cas_required"], true);
  ExpectRejected(Operation::kUpdate, "config", {{"max_versions", "x"}},
                 "max_versions must be a non-negative integer");
  ExpectRejected(Operation::kUpdate, "config", {{"max_versions", -1}},
                 "max_versions must be a non-negative integer");
  ExpectRejected(Operation::kUpdate, "config", {{"cas_required", "maybe"}},
                 "cas_required must be a boolean");
  ExpectRejected(Operation::kUpdate, "config",
                 {{"delete_version_after", "-5s"}},
                 "delete_version_after must not be negative");
  EXPECT_EQ(Do(Operation::kDelete, "config").status, 405);
}

TEST(Kv2MetadataTest, EncodeDecodeRoundTrip) {
  KeyMetadata m;
  m.key = "a/b";
  m.created_time = T0();
  m.updated_time = T0() + seconds(3);
  m.current_version = 12;
  m.oldest_version = 3;
  m.max_versions = 5;
  m.cas_required = true;
  m.delete_version_after = seconds(3600);
  m.custom_metadata = std::map<std::string, std::string>{{"o", "p"}};
  m.versions[12] = VersionMeta{.created_time = T0(),
                               .deletion_time = T0() + seconds(9),
                               .destroyed = true};
  auto back = DecodeMetadata(EncodeMetadata(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->key, "a/b");
  EXPECT_EQ(back->created_time, m.created_time);
  EXPECT_EQ(back->updated_time, m.updated_time);
  EXPECT_EQ(back->current_version, 12u);
  EXPECT_EQ(back->oldest_version, 3u);
  EXPECT_EQ(back->max_versions, 5u);
  EXPECT_TRUE(back->cas_required);
  EXPECT_EQ(back->delete_version_after, seconds(3600));
  EXPECT_EQ(back->custom_metadata, m.custom_metadata);
  ASSERT_EQ(back->versions.size(), 1u);
  EXPECT_EQ(back->versions[12].created_time, T0());
  EXPECT_EQ(back->versions[12].deletion_time, T0() + seconds(9));
  EXPECT_TRUE(back->versions[12].destroyed);

  EXPECT_EQ(DecodeMetadata("nope").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeConfig("{}").status().code(), StatusCode::kCorruption);
}

TEST(Kv2MetadataTest, GoDurationText) {
  EXPECT_EQ(FormatGoDuration(seconds(0)), "0s");
  EXPECT_EQ(FormatGoDuration(seconds(45)), "45s");
  EXPECT_EQ(FormatGoDuration(seconds(90)), "1m30s");
  EXPECT_EQ(FormatGoDuration(seconds(3600)), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(seconds(90061)), "25h1m1s");
}

TEST(Kv2MetadataTest, DurationInputs) {
  auto dva = [](Json v) -> std::optional<int64_t> {
    auto s = ParseSettings({{"delete_version_after", v}}, false);
    if (!s.ok()) return std::nullopt;
    return s->delete_version_after->count();
  };
  EXPECT_EQ(dva(30), 30);
  EXPECT_EQ(dva("30"), 30);
  EXPECT_EQ(dva("1h30m"), 5400);
  EXPECT_EQ(dva("1.5h"), 5400);
  EXPECT_EQ(dva("2d"), 172800);
  EXPECT_EQ(dva("1500ms"), 1);
  EXPECT_EQ(dva(""), 0);
  EXPECT_EQ(dva("0"), 0);
  EXPECT_EQ(dva("1x"), std::nullopt);
  EXPECT_EQ(dva("h"), std::nullopt);
  EXPECT_EQ(dva(true), std::nullopt);
}

}  // namespace
}  // namespace vk::kv2
