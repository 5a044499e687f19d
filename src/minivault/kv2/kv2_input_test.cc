// The KV v2 engine against bad input and failing storage: unsupported
// paths, bad names and bodies, patches, storage and record failures.
#include <gtest/gtest.h>

#include "minivault/kv2/kv2_test_util.h"

namespace vk::kv2 {
namespace {

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

}  // namespace
}  // namespace vk::kv2
