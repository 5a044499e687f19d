#include "minivault/cluster/raft_payload.h"

#include <gtest/gtest.h>

namespace vk::minivault {
namespace {

TEST(RaftPayloadTest, CommandRoundTrip) {
  fsm::Command cmd{{{fsm::Op::Kind::kPut, "core/lock", "v"},
                    {fsm::Op::Kind::kDeletePrefix, "logical/x/", ""}}};
  std::string data = EncodeCommandPayload(cmd);
  EXPECT_EQ(data[0], 1);
  auto p = DecodePayload(data);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p.value().kind, PayloadKind::kCommand);
  EXPECT_EQ(p.value().command, cmd);
}

TEST(RaftPayloadTest, RestoreMarkerRoundTrip) {
  auto p = DecodePayload(EncodeRestorePayload({"abc123", "node2"}));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().kind, PayloadKind::kRestore);
  EXPECT_EQ(p.value().restore.id, "abc123");
  EXPECT_EQ(p.value().restore.proposer, "node2");
}

TEST(RaftPayloadTest, EmptyIsTheLeadersNoop) {
  auto p = DecodePayload("");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.value().kind, PayloadKind::kNoop);
  EXPECT_TRUE(p.value().command.ops.empty());
}

TEST(RaftPayloadTest, MalformedIsCorruption) {
  for (std::string bad :
       {std::string("\x07xyz"), std::string("\x02{}"),
        std::string("\x02not json"), std::string("\x01\x09garbage")}) {
    auto p = DecodePayload(bad);
    EXPECT_EQ(p.status().code(), StatusCode::kCorruption) << bad;
  }
}

TEST(RaftPayloadTest, ServerContext) {
  auto s =
      DecodeServerContext(EncodeServerContext({"node1", "127.0.0.1:8201"}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value().node_id, "node1");
  EXPECT_EQ(s.value().cluster_addr, "127.0.0.1:8201");
  EXPECT_FALSE(DecodeServerContext("{\"node_id\":1}").ok());
  EXPECT_FALSE(DecodeServerContext("[]").ok());
}

TEST(RaftPayloadTest, RaftIdsAreStableAndDistinct) {
  // SHA-256("node1") starts ca12f31b8cbf5f29: the id is its first 8 bytes.
  EXPECT_EQ(RaftIdFor("node1"), 0xca12f31b8cbf5f29u);
  EXPECT_NE(RaftIdFor("node1"), RaftIdFor("node2"));
  EXPECT_NE(RaftIdFor(""), 0u);
}

}  // namespace
}  // namespace vk::minivault
