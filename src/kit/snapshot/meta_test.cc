#include "kit/snapshot/meta.h"

#include <gtest/gtest.h>

#include "kit/snapshot/hash_list.h"

namespace vk::snapshot {
namespace {

TEST(MetaTest, EncodesExactlyLikeGo) {
  SnapshotMeta m;
  m.index = 1234;
  m.term = 3;
  m.servers = std::vector<RaftServer>{{0, "node1", "10.0.0.1:8201"}};
  m.configuration_index = 1;
  m.size = 45678;
  EXPECT_EQ(EncodeMeta(m),
            "{\"Version\":1,\"ID\":\"bolt-snapshot\",\"Index\":1234,\"Term\":3,"
            "\"Peers\":null,\"Configuration\":{\"Servers\":[{\"Suffrage\":0,"
            "\"ID\":\"node1\",\"Address\":\"10.0.0.1:8201\"}]},"
            "\"ConfigurationIndex\":1,\"Size\":45678}\n");
  SnapshotMeta empty;
  EXPECT_NE(EncodeMeta(empty).find("{\"Servers\":null}"), std::string::npos);
  SnapshotMeta html;
  html.id = "a<b>&\"\x01";
  EXPECT_NE(EncodeMeta(html).find(R"("a\u003cb\u003e\u0026\"\u0001")"),
            std::string::npos);
}

TEST(MetaTest, ParseRoundTripAndGoLeniency) {
  SnapshotMeta m;
  m.index = 7;
  m.term = 2;
  m.peers = std::string("\x01\x02\x03\x04", 4);
  m.servers = std::vector<RaftServer>{{1, "n2", "127.0.0.1:1"}};
  m.size = 99;
  auto back = ParseMeta(EncodeMeta(m));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
  // Case-insensitive keys, unknown keys ignored.
  auto lenient = ParseMeta(R"({"version":1,"id":"x","SIZE":5,"Extra":[1]})");
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(lenient->size, 5);
}

TEST(MetaTest, RejectsBadInput) {
  EXPECT_NE(ParseMeta("{").status().message().find("not valid JSON"),
            std::string::npos);
  EXPECT_NE(ParseMeta("[]").status().message().find("not a JSON object"),
            std::string::npos);
  EXPECT_NE(ParseMeta(R"({"Version":2,"Size":1})")
                .status()
                .message()
                .find("unsupported snapshot version 2"),
            std::string::npos);
  EXPECT_NE(
      ParseMeta(R"({"Version":1,"Size":-1})").status().message().find("Size"),
      std::string::npos);
  EXPECT_NE(ParseMeta(R"({"Version":1,"Index":"7","Size":1})")
                .status()
                .message()
                .find("Index"),
            std::string::npos);
  EXPECT_FALSE(ParseMeta(R"({"Version":1})").ok());
}

TEST(HashListTest, EitherOrderAndErrors) {
  HashList actual{{"meta.json", Sha256::Of(AsBytes("m"))},
                  {"state.bin", Sha256::Of(AsBytes("s"))}};
  std::string text = EncodeHashList(actual);
  EXPECT_EQ(text.size(), 152u);
  size_t nl = text.find('\n');
  std::string swapped = text.substr(nl + 1) + text.substr(0, nl + 1);
  for (const std::string& t : {text, swapped}) {
    auto listed = ParseHashList(t);
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(VerifyHashList(*listed, actual).ok());
  }
  HashList wrong = actual;
  wrong["state.bin"] = Sha256::Of(AsBytes("other"));
  Status s = VerifyHashList(*ParseHashList(text), wrong);
  EXPECT_NE(s.message().find("state.bin does not match SHA256SUMS: expected"),
            std::string::npos);
  auto one = ParseHashList(text.substr(0, nl + 1));
  EXPECT_NE(VerifyHashList(*one, actual)
                .message()
                .find("SHA256SUMS has no line for state.bin"),
            std::string::npos);
  EXPECT_NE(ParseHashList("zz  meta.json\n")
                .status()
                .message()
                .find("line 1 is malformed"),
            std::string::npos);
  EXPECT_NE(ParseHashList(text + text).status().message().find("twice"),
            std::string::npos);
}

}  // namespace
}  // namespace vk::snapshot
