#include "minivault/kv2/kv2.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "kit/base/time.h"
#include "minivault/kv2/metadata.h"

namespace vk::kv2 {
namespace {

using logical::Operation;
using logical::Request;
using logical::Response;
using Json = nlohmann::json;
using std::chrono::seconds;

// A std::map with Vault's physical List semantics.
class MemStorage : public logical::Storage {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    if (fail) return IOError("injected get failure");
    auto it = kv.find(std::string(key));
    if (it == kv.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status Put(std::string_view key, std::string_view value) override {
    if (fail) return IOError("injected put failure");
    kv[std::string(key)] = std::string(value);
    return Status::Ok();
  }
  Status Delete(std::string_view key) override {
    if (fail) return IOError("injected delete failure");
    kv.erase(std::string(key));
    return Status::Ok();
  }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    if (fail) return IOError("injected list failure");
    std::set<std::string> names;
    for (const auto& [k, v] : kv) {
      if (!std::string_view(k).starts_with(prefix)) continue;
      std::string rest = k.substr(prefix.size());
      size_t slash = rest.find('/');
      names.insert(slash == std::string::npos ? rest
                                              : rest.substr(0, slash + 1));
    }
    return std::vector<std::string>(names.begin(), names.end());
  }

  std::map<std::string, std::string> kv;
  bool fail = false;
};

// 2026-11-28T10:00:00.123456789Z
TimePoint T0() { return *ParseRfc3339("2026-11-28T10:00:00.123456789Z"); }

class Kv2Test : public ::testing::Test {
 protected:
  Kv2Test() : now_(T0()), engine_(&store_, [this] { return now_; }) {}

  Response Do(Operation op, std::string path, Json body = Json::object(),
              std::map<std::string, std::string> query = {}) {
    Request r;
    r.op = op;
    r.path = std::move(path);
    r.data = std::move(body);
    r.query = std::move(query);
    return engine_.Handle(r);
  }
  Response Put(const std::string& name, Json data, Json options = nullptr) {
    Json body = {{"data", std::move(data)}};
    if (!options.is_null()) body["options"] = std::move(options);
    return Do(Operation::kUpdate, "data/" + name, std::move(body));
  }
  Response Get(const std::string& name, int version = -1) {
    std::map<std::string, std::string> q;
    if (version >= 0) q["version"] = std::to_string(version);
    return Do(Operation::kRead, "data/" + name, Json::object(), q);
  }
  Json Meta(const std::string& name) {
    Response r = Do(Operation::kRead, "metadata/" + name);
    EXPECT_EQ(r.status, 200);
    return r.data;
  }
  void Advance(seconds s) { now_ += s; }
  std::string Now() const { return FormatRfc3339(now_); }

  // Expects a 400 whose single error is `message` and no stored change.
  void ExpectRejected(Operation op, const std::string& path, const Json& body,
                      const std::string& message) {
    auto before = store_.kv;
    Response r = Do(op, path, body);
    EXPECT_EQ(r.status, 400) << path << " " << body.dump();
    EXPECT_EQ(r.errors, std::vector<std::string>{message})
        << path << " " << body.dump();
    EXPECT_TRUE(r.data.is_null());
    EXPECT_EQ(store_.kv, before) << path << " " << body.dump();
  }

  MemStorage store_;
  TimePoint now_;
  Engine engine_;
};

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

TEST_F(Kv2Test, UnsupportedPathAndOperation) {
  for (const char* path : {"", "data", "foo/bar", "subkeys/x", "datax/y"}) {
    Response r = Do(Operation::kRead, path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(
        r.errors,
        std::vector<std::string>{"1 error occurred:\n\t* unsupported path\n\n"})
        << path;
  }
  const std::vector<std::string> op_error = {
      "1 error occurred:\n\t* unsupported operation\n\n"};
  EXPECT_EQ(Do(Operation::kList, "data/x").status, 405);
  EXPECT_EQ(Do(Operation::kList, "data/x").errors, op_error);
  EXPECT_EQ(Do(Operation::kRead, "destroy/x").status, 405);
  EXPECT_EQ(Do(Operation::kDelete, "undelete/x").errors, op_error);
  EXPECT_EQ(Do(Operation::kList, "config").status, 405);
}

TEST_F(Kv2Test, BadNamesAreRejected) {
  const Json body = {{"data", {{"v", 1}}}};
  ExpectRejected(Operation::kCreate, "data/", body, "missing path");
  ExpectRejected(Operation::kCreate, "data/a/", body,
                 "path must not end in '/'");
  ExpectRejected(Operation::kCreate, "data/a//b", body,
                 "path must not contain empty segments");
  ExpectRejected(Operation::kCreate, "data//a", body,
                 "path must not contain empty segments");
  ExpectRejected(Operation::kCreate, "data/a/../b", body,
                 "path must not contain '.' or '..' segments");
  ExpectRejected(Operation::kCreate, "data/..", body,
                 "path must not contain '.' or '..' segments");
  ExpectRejected(Operation::kCreate, "metadata/./a", {{"max_versions", 1}},
                 "path must not contain '.' or '..' segments");
  ExpectRejected(Operation::kUpdate, "destroy/a/", {{"versions", {1}}},
                 "path must not end in '/'");
  EXPECT_EQ(Do(Operation::kRead, "data/a/").status, 400);
  EXPECT_TRUE(store_.kv.empty());
}

TEST_F(Kv2Test, BadBodiesChangeNothing) {
  ASSERT_EQ(Put("k", {{"v", 1}}).status, 200);
  ExpectRejected(Operation::kUpdate, "data/k", {{"data", "text"}},
                 "data must be a JSON object");
  ExpectRejected(Operation::kUpdate, "data/k", {{"data", {1, 2}}},
                 "data must be a JSON object");
  ExpectRejected(Operation::kUpdate, "data/k", {{"data", nullptr}},
                 "no data provided");
  ExpectRejected(Operation::kUpdate, "data/k", {{"other", 1}},
                 "no data provided");
  ExpectRejected(Operation::kUpdate, "data/k", Json::array({1}),
                 "request body must be a JSON object");
  ExpectRejected(Operation::kUpdate, "data/k",
                 {{"data", {{"v", 1}}}, {"options", "cas=1"}},
                 "options must be a JSON object");
  ExpectRejected(Operation::kUpdate, "metadata/k", {{"max_versions", true}},
                 "max_versions must be a non-negative integer");
  ExpectRejected(Operation::kUpdate, "metadata/k",
                 {{"delete_version_after", "soon"}},
                 "delete_version_after must be a duration such as \"1h30m\" "
                 "or a number of seconds");
  ExpectRejected(
      Operation::kUpdate, "metadata/k", {{"custom_metadata", {{"a", {1}}}}},
      "custom_metadata validation failed: the value of a key is not a string");
  ExpectRejected(Operation::kUpdate, "metadata/k",
                 {{"custom_metadata", {{"a", ""}}}},
                 "custom_metadata validation failed: length of a value is 0 "
                 "but must be 0 < len(value) <= 512");
  ExpectRejected(Operation::kUpdate, "metadata/k",
                 {{"custom_metadata", {{"a", "line\nbreak"}}}},
                 "custom_metadata validation failed: a value contains "
                 "unprintable characters");
  Json many = Json::object();
  for (int i = 0; i < 65; ++i) many[std::to_string(1000 + i)] = "v";
  ExpectRejected(Operation::kUpdate, "metadata/k", {{"custom_metadata", many}},
                 "custom_metadata validation failed: payload must contain at "
                 "most 64 keys, provided 65");
  ExpectRejected(Operation::kPatch, "data/k", {{"data", 3}},
                 "data must be a JSON object");
}

TEST_F(Kv2Test, ResolveWriteOperation) {
  EXPECT_EQ(engine_.ResolveWriteOperation("data/x").value(),
            Operation::kCreate);
  EXPECT_EQ(engine_.ResolveWriteOperation("metadata/x").value(),
            Operation::kCreate);
  ASSERT_EQ(Put("x", {{"v", 1}}).status, 200);
  EXPECT_EQ(engine_.ResolveWriteOperation("data/x").value(),
            Operation::kUpdate);
  EXPECT_EQ(engine_.ResolveWriteOperation("metadata/x").value(),
            Operation::kUpdate);
  EXPECT_EQ(engine_.ResolveWriteOperation("data/y").value(),
            Operation::kCreate);
  // Soft deletion keeps the metadata, so a new write is still an update.
  ASSERT_EQ(Do(Operation::kDelete, "data/x").status, 204);
  EXPECT_EQ(engine_.ResolveWriteOperation("data/x").value(),
            Operation::kUpdate);
  ASSERT_EQ(Do(Operation::kDelete, "metadata/x").status, 204);
  EXPECT_EQ(engine_.ResolveWriteOperation("data/x").value(),
            Operation::kCreate);
  for (const char* path : {"config", "delete/x", "undelete/x", "destroy/x",
                           "data/", "data/a/", "nowhere"}) {
    EXPECT_EQ(engine_.ResolveWriteOperation(path).value(), Operation::kUpdate)
        << path;
  }
  store_.fail = true;
  EXPECT_FALSE(engine_.ResolveWriteOperation("data/x").ok());
}

TEST_F(Kv2Test, PatchMergesIntoLatestVersion) {
  EXPECT_EQ(Do(Operation::kPatch, "data/k", {{"data", {{"a", 1}}}}).status,
            404);
  ASSERT_EQ(Put("k", {{"a", 1}, {"b", {{"c", 2}}}, {"d", 4}}).status, 200);
  Response p = Do(Operation::kPatch, "data/k",
                  {{"data", {{"a", 10}, {"b", {{"e", 5}}}, {"d", nullptr}}}});
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(p.data["version"], 2);
  EXPECT_EQ(Get("k").data["data"],
            Json::parse(R"({"a":10,"b":{"c":2,"e":5}})"));
  ExpectRejected(Operation::kPatch, "data/k",
                 {{"data", {{"a", 1}}}, {"options", {{"cas", 1}}}},
                 "check-and-set parameter did not match the current version");
  ASSERT_EQ(Do(Operation::kDelete, "data/k").status, 204);
  Response gone = Do(Operation::kPatch, "data/k", {{"data", {{"a", 1}}}});
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.data["version"], 2);
  EXPECT_EQ(gone.data["deletion_time"], Now());
}

TEST_F(Kv2Test, MetadataPatchMergesCustomMetadata) {
  EXPECT_EQ(Do(Operation::kPatch, "metadata/k", {{"max_versions", 3}}).status,
            404);
  ASSERT_EQ(Do(Operation::kUpdate, "metadata/k",
               {{"custom_metadata", {{"a", "1"}, {"b", "2"}}}})
                .status,
            204);
  EXPECT_EQ(Do(Operation::kPatch, "metadata/k",
               {{"max_versions", 3},
                {"custom_metadata", {{"a", nullptr}, {"c", "3"}}}})
                .status,
            204);
  Json meta = Meta("k");
  EXPECT_EQ(meta["custom_metadata"], Json({{"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(meta["max_versions"], 3);
}

TEST_F(Kv2Test, StorageFailureIs500) {
  ASSERT_EQ(Put("k", {{"v", 1}}).status, 200);
  store_.fail = true;
  EXPECT_EQ(Get("k").status, 500);
  EXPECT_EQ(Put("k", {{"v", 2}}).status, 500);
  EXPECT_EQ(Do(Operation::kList, "metadata/").status, 500);
  EXPECT_EQ(Do(Operation::kRead, "config").status, 500);
}

TEST_F(Kv2Test, CorruptRecordsAre500) {
  store_.kv["metadata/k"] = "{not json";
  EXPECT_EQ(Get("k").status, 500);
  store_.kv["metadata/k"] = R"({"key":"k"})";
  EXPECT_EQ(Do(Operation::kRead, "metadata/k").status, 500);
  store_.kv["config"] = "[]";
  EXPECT_EQ(Put("j", {{"v", 1}}).status, 500);
}

// A stored record nested deeper than any request may be (a restored
// snapshot can hold anything) is refused, not dumped into the response.
TEST_F(Kv2Test, RecordsDeeperThanRequestsAre500) {
  ASSERT_EQ(Put("k", {{"v", 1}}).status, 200);
  std::string deep = "{\"data\":{\"a\":";
  for (int i = 0; i < 100000; ++i) deep += "[";
  for (int i = 0; i < 100000; ++i) deep += "]";
  deep += "}}";
  store_.kv[VersionKey("k", 1)] = deep;
  EXPECT_EQ(Get("k").status, 500);
  // As deep as a request may make it (500 levels) is served.
  Json doc = Json::object();
  for (int i = 0; i < 498; ++i) doc = Json{{"a", std::move(doc)}};
  ASSERT_EQ(Put("k", doc).status, 200);
  Response r = Get("k");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.data["data"], doc);
}

TEST_F(Kv2Test, OddBodiesNeverThrow) {
  const std::vector<Json> bodies = {
      nullptr,
      Json::array(),
      Json(3),
      Json("text"),
      Json::object(),
      {{"data", {{"x", "\xff\xfe"}}}},
      {{"data", Json::object()}, {"options", {{"cas", nullptr}}}},
      {{"versions", nullptr}},
      {{"versions", {{{"x", 1}}}}},
      {{"versions", "1,,x"}},
      {{"max_versions", 1e300}},
      {{"delete_version_after", "99999999999999h"}},
      {{"delete_version_after", {1}}},
      {{"custom_metadata", "x"}},
      {{"version", {1}}},
  };
  const std::vector<std::string> paths = {"data/k",   "metadata/k", "metadata/",
                                          "delete/k", "undelete/k", "destroy/k",
                                          "config",   "data/",      "metadata"};
  const Operation ops[] = {Operation::kRead,   Operation::kCreate,
                           Operation::kUpdate, Operation::kDelete,
                           Operation::kList,   Operation::kPatch};
  ASSERT_EQ(Put("k", {{"v", 1}}).status, 200);
  for (const Json& body : bodies) {
    for (const std::string& path : paths) {
      for (Operation op : ops) {
        Response r;
        EXPECT_NO_THROW(r = Do(op, path, body));
        EXPECT_TRUE(r.status == 200 || r.status == 204 || r.status == 400 ||
                    r.status == 404 || r.status == 405)
            << path << " " << logical::OperationName(op) << " " << r.status;
      }
    }
  }
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
