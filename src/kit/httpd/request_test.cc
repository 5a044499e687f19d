// What handlers see of a request (method, path, query, headers) and the
// in-memory ResponseWriter.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kit/httpd/server.h"
#include "kit/httpd/test_client.h"

namespace vk::httpd {
namespace {

TEST(RequestTest, LookupsAndDefaults) {
  Request r;
  r.headers = {{"X-Vault-Token", "s.abc"}, {"x-vault-token", "second"}};
  r.query = {{"list", "true"}, {"a", "1"}, {"a", "2"}};
  EXPECT_EQ(r.Header("x-VAULT-token"), "s.abc");
  EXPECT_EQ(r.Header("Content-Length"), std::nullopt);
  EXPECT_EQ(r.Query("a"), "1");
  EXPECT_EQ(r.Query("A"), std::nullopt);  // query names are case-sensitive
  uint8_t buf[4];
  Result<size_t> n = r.body().Read(buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);  // no body source: empty body
}

TEST(MemoryResponseWriterTest, RecordsSendAndIgnoresLateChanges) {
  MemoryResponseWriter w;
  EXPECT_FALSE(w.committed());
  w.SetHeader("X-A", "1");
  w.SetHeader("x-a", "2");
  w.Send(404, R"({"errors":[]})");
  w.SetStatus(200);
  w.Send(500, "ignored");
  EXPECT_TRUE(w.committed());
  EXPECT_FALSE(w.streamed());
  EXPECT_EQ(w.status(), 404);
  EXPECT_EQ(w.header("X-A"), "2");
  EXPECT_EQ(w.header("content-type"), "application/json");
  EXPECT_EQ(w.body(), R"({"errors":[]})");
  EXPECT_EQ(w.Write(AsBytes("x")).code(), StatusCode::kFailedPrecondition);
}

TEST_F(ServerTest, CustomMethodListReachesHandler) {
  StartServer([](Request& req, ResponseWriter& w) {
    w.Send(req.method == "LIST" ? 200 : 405, req.method + " " + req.path,
           "text/plain");
  });
  Reply r = Perform(port(), {.method = "LIST", .path = "/v1/secret/"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "LIST /v1/secret/");
}

TEST_F(ServerTest, PathAndQueryArePercentDecoded) {
  Request seen;
  StartServer([&](Request& req, ResponseWriter& w) {
    seen.path = req.path;
    seen.query = req.query;
    w.Send(200, "{}");
  });
  Reply r = Perform(port(), {.path = "/v1/kv/a%2Fb%20c+d?list=true&x=1+2"
                                     "&x=%E2%9C%93&bad=%zz&flag&&e=a%3Db"});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(seen.path, "/v1/kv/a/b c+d");  // '+' is literal in a path
  std::vector<std::pair<std::string, std::string>> want = {
      {"list", "true"},
      {"x", "1 2"},
      {"x", "\xE2\x9C\x93"},
      {"flag", ""},
      {"e", "a=b"}};
  EXPECT_EQ(seen.query, want);  // the pair with a bad escape is dropped
  EXPECT_EQ(seen.Query("x"), "1 2");

  Reply bad = Perform(port(), {.path = "/v1/a%zzb"});
  ASSERT_EQ(bad.code, CURLE_OK);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, R"({"errors":["invalid URL escape"]})");
}

TEST_F(ServerTest, HeadersAreCaseInsensitive) {
  StartServer([](Request& req, ResponseWriter& w) {
    std::optional<std::string> token = req.Header("X-Vault-Token");
    std::optional<std::string> missing = req.Header("X-Vault-Namespace");
    w.Send(token ? 200 : 403, token.value_or("") + (missing ? "!" : ""),
           "text/plain");
  });
  Reply r = Perform(port(), {.headers = {"x-vault-token: hvs.test"}});
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hvs.test");
}

}  // namespace
}  // namespace vk::httpd
