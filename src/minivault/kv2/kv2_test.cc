// The KV v2 engine: writes, reads, versions, check-and-set, deletes.
#include <gtest/gtest.h>

#include "minivault/kv2/kv2_test_util.h"

namespace vk::kv2 {
namespace {

TEST_F(Kv2Test, WriteAnswersWithTheNewVersionsMetadata) {
  Response r = Put("app/db", {{"password", "s3cret"}, {"n", 3}});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.data, Json::parse(R"({"created_time":
      "2026-11-28T10:00:00.123456789Z","custom_metadata":null,
      "deletion_time":"","destroyed":false,"version":1})"));
}

TEST_F(Kv2Test, ReadReturnsDataAndVersionMetadata) {
  ASSERT_EQ(Put("app/db", {{"password", "s3cret"}}).status, 200);
  Response r = Get("app/db");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.data, Json::parse(R"({"data":{"password":"s3cret"},
      "metadata":{"created_time":"2026-11-28T10:00:00.123456789Z",
      "custom_metadata":null,"deletion_time":"","destroyed":false,
      "version":1}})"));
}

TEST_F(Kv2Test, MissingSecretIsPlain404) {
  Response r = Get("nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.data.is_null());
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(Do(Operation::kRead, "metadata/nope").status, 404);
}

TEST_F(Kv2Test, VersionHistory) {
  for (int i = 1; i <= 3; ++i) {
    Response w = Put("k", {{"v", i}});
    ASSERT_EQ(w.data["version"], i);
    Advance(seconds(1));
  }
  for (int i = 1; i <= 3; ++i) {
    Response r = Get("k", i);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.data["data"], Json({{"v", i}}));
    EXPECT_EQ(r.data["metadata"]["version"], i);
    EXPECT_EQ(r.data["metadata"]["created_time"],
              FormatRfc3339(T0() + seconds(i - 1)));
  }
  EXPECT_EQ(Get("k", 0).data["data"], Json({{"v", 3}}));
  EXPECT_EQ(Get("k").data["metadata"]["version"], 3);
  Response missing = Get("k", 4);
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(missing.data.is_null());
  Response bad =
      Do(Operation::kRead, "data/k", Json::object(), {{"version", "abc"}});
  EXPECT_EQ(bad.status, 400);

  Json meta = Meta("k");
  EXPECT_EQ(meta["current_version"], 3);
  EXPECT_EQ(meta["oldest_version"], 0);
  EXPECT_EQ(meta["created_time"], FormatRfc3339(T0()));
  EXPECT_EQ(meta["updated_time"], FormatRfc3339(T0() + seconds(2)));
  EXPECT_EQ(meta["versions"].size(), 3u);
}

TEST_F(Kv2Test, DefaultKeepsTenVersionsAndDropsOldData) {
  for (int i = 1; i <= 12; ++i) ASSERT_EQ(Put("k", {{"v", i}}).status, 200);
  Json meta = Meta("k");
  EXPECT_EQ(meta["current_version"], 12);
  EXPECT_EQ(meta["oldest_version"], 3);
  std::vector<std::string> kept;
  for (const auto& [n, v] : meta["versions"].items()) kept.push_back(n);
  std::sort(kept.begin(), kept.end(),
            [](auto& a, auto& b) { return std::stoi(a) < std::stoi(b); });
  EXPECT_EQ(kept, (std::vector<std::string>{"3", "4", "5", "6", "7", "8", "9",
                                            "10", "11", "12"}));
  EXPECT_EQ(store_.kv.count(VersionKey("k", 1)), 0u);
  EXPECT_EQ(store_.kv.count(VersionKey("k", 2)), 0u);
  EXPECT_EQ(store_.kv.count(VersionKey("k", 3)), 1u);
  EXPECT_EQ(Get("k", 1).status, 404);
  EXPECT_EQ(Get("k", 3).data["data"], Json({{"v", 3}}));
}

TEST_F(Kv2Test, OldestVersionBecomesOneWhenTheWindowFills) {
  for (int i = 1; i <= 10; ++i) ASSERT_EQ(Put("k", {{"v", i}}).status, 200);
  EXPECT_EQ(Meta("k")["oldest_version"], 1);
  EXPECT_EQ(Meta("k")["versions"].size(), 10u);
}

TEST_F(Kv2Test, MaxVersionsFromMetadataAndConfig) {
  ASSERT_EQ(Do(Operation::kCreate, "metadata/m", {{"max_versions", 2}}).status,
            204);
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(Put("m", {{"v", i}}).status, 200);
  Json meta = Meta("m");
  EXPECT_EQ(meta["max_versions"], 2);
  EXPECT_EQ(meta["oldest_version"], 2);
  EXPECT_EQ(meta["versions"].size(), 2u);
  EXPECT_TRUE(meta["versions"].contains("2"));
  EXPECT_TRUE(meta["versions"].contains("3"));

  ASSERT_EQ(Do(Operation::kUpdate, "config", {{"max_versions", 3}}).status,
            204);
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(Put("c", {{"v", i}}).status, 200);
  EXPECT_EQ(Meta("c")["versions"].size(), 3u);
  EXPECT_EQ(Meta("c")["oldest_version"], 3);
  // Vault keeps the larger of the key's and the config's setting.
  for (int i = 1; i <= 2; ++i) ASSERT_EQ(Put("m", {{"v", i}}).status, 200);
  EXPECT_EQ(Meta("m")["versions"].size(), 3u);
}

TEST_F(Kv2Test, CheckAndSet) {
  EXPECT_EQ(Put("k", {{"v", 1}}, {{"cas", 0}}).status, 200);
  ExpectRejected(Operation::kUpdate, "data/k",
                 {{"data", {{"v", 2}}}, {"options", {{"cas", 0}}}},
                 "check-and-set parameter did not match the current version");
  ExpectRejected(Operation::kUpdate, "data/k",
                 {{"data", {{"v", 2}}}, {"options", {{"cas", 5}}}},
                 "check-and-set parameter did not match the current version");
  ExpectRejected(Operation::kUpdate, "data/k",
                 {{"data", {{"v", 2}}}, {"options", {{"cas", "abc"}}}},
                 "error parsing check-and-set parameter");
  ExpectRejected(Operation::kUpdate, "data/k",
                 {{"data", {{"v", 2}}}, {"options", {{"cas", true}}}},
                 "error parsing check-and-set parameter");
  ExpectRejected(Operation::kUpdate, "data/k",
                 {{"data", {{"v", 2}}}, {"options", {{"cas", 1.5}}}},
                 "error parsing check-and-set parameter");
  Response ok = Put("k", {{"v", 2}}, {{"cas", 1}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.data["version"], 2);
  EXPECT_EQ(Put("k", {{"v", 3}}, {{"cas", "2"}}).data["version"], 3);
}

TEST_F(Kv2Test, CasRequiredByConfig) {
  ASSERT_EQ(Do(Operation::kUpdate, "config", {{"cas_required", true}}).status,
            204);
  ExpectRejected(Operation::kCreate, "data/k", {{"data", {{"v", 1}}}},
                 "check-and-set parameter required for this call");
  EXPECT_EQ(Put("k", {{"v", 1}}, {{"cas", 0}}).status, 200);
}

TEST_F(Kv2Test, CasRequiredByMetadata) {
  ASSERT_EQ(Put("k", {{"v", 1}}).status, 200);
  ASSERT_EQ(
      Do(Operation::kUpdate, "metadata/k", {{"cas_required", "true"}}).status,
      204);
  EXPECT_EQ(Meta("k")["cas_required"], true);
  ExpectRejected(Operation::kUpdate, "data/k", {{"data", {{"v", 2}}}},
                 "check-and-set parameter required for this call");
  EXPECT_EQ(Put("k", {{"v", 2}}, {{"cas", 1}}).status, 200);
  EXPECT_EQ(Put("other", {{"v", 1}}).status, 200);  // other keys unaffected
}

TEST_F(Kv2Test, SoftDeleteLatestAndUndelete) {
  ASSERT_EQ(Put("k", {{"v", 1}}).status, 200);
  Advance(seconds(5));
  std::string deleted_at = Now();
  EXPECT_EQ(Do(Operation::kDelete, "data/k").status, 204);
  Response r = Get("k");
  EXPECT_EQ(r.status, 404);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.data, Json::parse(R"({"data":null,"metadata":{
      "created_time":"2026-11-28T10:00:00.123456789Z","custom_metadata":null,
      "deletion_time":"2026-11-28T10:00:05.123456789Z","destroyed":false,
      "version":1}})"));
  EXPECT_EQ(Meta("k")["versions"]["1"]["deletion_time"], deleted_at);
  // Deleting again keeps the first deletion time.
  Advance(seconds(1));
  EXPECT_EQ(Do(Operation::kDelete, "data/k").status, 204);
  EXPECT_EQ(Meta("k")["versions"]["1"]["deletion_time"], deleted_at);

  EXPECT_EQ(Do(Operation::kUpdate, "undelete/k", {{"versions", {1}}}).status,
            204);
  Response back = Get("k");
  EXPECT_EQ(back.status, 200);
  EXPECT_EQ(back.data["data"], Json({{"v", 1}}));
  EXPECT_EQ(back.data["metadata"]["deletion_time"], "");
  // Deleting a missing secret is not an error.
  EXPECT_EQ(Do(Operation::kDelete, "data/none").status, 204);
  EXPECT_EQ(store_.kv.count("metadata/none"), 0u);
}

TEST_F(Kv2Test, DeleteUndeleteDestroyChosenVersions) {
  for (int i = 1; i <= 3; ++i) ASSERT_EQ(Put("k", {{"v", i}}).status, 200);
  EXPECT_EQ(Do(Operation::kUpdate, "delete/k", {{"versions", {1, 2}}}).status,
            204);
  EXPECT_EQ(Get("k", 1).status, 404);
  EXPECT_EQ(Get("k", 2).status, 404);
  EXPECT_EQ(Get("k", 3).status, 200);
  EXPECT_EQ(Meta("k")["versions"]["2"]["deletion_time"], Now());

  EXPECT_EQ(Do(Operation::kUpdate, "destroy/k", {{"versions", "1, 3"}}).status,
            204);
  EXPECT_EQ(store_.kv.count(VersionKey("k", 1)), 0u);
  EXPECT_EQ(store_.kv.count(VersionKey("k", 3)), 0u);
  EXPECT_EQ(store_.kv.count(VersionKey("k", 2)), 1u);
  Response d = Get("k", 3);
  EXPECT_EQ(d.status, 404);
  EXPECT_TRUE(d.data["data"].is_null());
  EXPECT_EQ(d.data["metadata"]["destroyed"], true);
  EXPECT_EQ(d.data["metadata"]["deletion_time"], "");

  // Undelete brings back the soft-deleted version, never a destroyed one.
  EXPECT_EQ(
      Do(Operation::kCreate, "undelete/k", {{"versions", {"1", "2"}}}).status,
      204);
  EXPECT_EQ(Get("k", 2).data["data"], Json({{"v", 2}}));
  Json meta = Meta("k");
  EXPECT_EQ(meta["versions"]["1"]["destroyed"], true);
  EXPECT_EQ(Get("k", 1).status, 404);
  // Unknown versions and secrets are ignored.
  EXPECT_EQ(Do(Operation::kUpdate, "destroy/k", {{"versions", {9}}}).status,
            204);
  EXPECT_EQ(Do(Operation::kUpdate, "destroy/zz", {{"versions", {1}}}).status,
            204);
}

TEST_F(Kv2Test, VersionsFieldIsValidated) {
  ASSERT_EQ(Put("k", {{"v", 1}}).status, 200);
  for (const char* action : {"delete/k", "undelete/k", "destroy/k"}) {
    ExpectRejected(Operation::kUpdate, action, {{"versions", {{"a", 1}}}},
                   "versions must be a list of version numbers");
    ExpectRejected(Operation::kUpdate, action, {{"versions", true}},
                   "versions must be a list of version numbers");
    ExpectRejected(Operation::kUpdate, action, {{"versions", {1, "x"}}},
                   "versions must be a list of version numbers");
    ExpectRejected(Operation::kUpdate, action, {{"versions", {-1}}},
                   "versions must be a list of version numbers");
    ExpectRejected(Operation::kUpdate, action, Json::object(),
                   "no version number provided");
    ExpectRejected(Operation::kUpdate, action, {{"versions", Json::array()}},
                   "no version number provided");
  }
}

}  // namespace
}  // namespace vk::kv2
