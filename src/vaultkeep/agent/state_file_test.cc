#include "vaultkeep/agent/state_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "kit/base/time.h"
#include "kit/testing/test_dir.h"

namespace vk::agent {
namespace {

WallTime At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

TEST(StateFile, RoundTripsEveryField) {
  AgentState s;
  JobRecord& r = s[JobKey("prod", "offsite")];
  r.last_attempt = At("2026-12-01T10:00:00Z");
  r.last_due = At("2026-12-01T09:59:58Z");
  r.last_error = "no Vault address answered";
  r.last_error_reason = "unreachable";
  r.last_error_time = At("2026-12-01T10:00:01Z");
  r.consecutive_failures = 3;
  r.retention_success = At("2026-11-30T10:00:00Z");
  r.retention_error = "locked";
  r.prune_success = At("2026-11-29T00:00:00Z");
  r.prune_attempt = At("2026-11-30T00:00:00Z");
  r.prune_error = "storage";
  s[JobKey("dev", "local")] = JobRecord{};
  Result<AgentState> back = DecodeState(EncodeState(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 2u);
  const JobRecord& b = back->at("prod/offsite");
  EXPECT_EQ(b.last_attempt, r.last_attempt);
  EXPECT_EQ(b.last_due, r.last_due);
  EXPECT_EQ(b.last_error, r.last_error);
  EXPECT_EQ(b.last_error_reason, r.last_error_reason);
  EXPECT_EQ(b.last_error_time, r.last_error_time);
  EXPECT_EQ(b.consecutive_failures, 3);
  EXPECT_EQ(b.retention_success, r.retention_success);
  EXPECT_EQ(b.retention_error, r.retention_error);
  EXPECT_EQ(b.prune_success, r.prune_success);
  EXPECT_EQ(b.prune_attempt, r.prune_attempt);
  EXPECT_EQ(b.prune_error, r.prune_error);
  EXPECT_FALSE(back->at("dev/local").last_attempt.has_value());
}

TEST(StateFile, RefusesWhatItCannotRead) {
  EXPECT_FALSE(DecodeState("").ok());
  EXPECT_FALSE(DecodeState("[]").ok());
  EXPECT_FALSE(DecodeState(R"({"version": 2, "jobs": {}})").ok());
  EXPECT_FALSE(DecodeState(R"({"version": 1})").ok());
  EXPECT_FALSE(
      DecodeState(R"({"version": 1, "jobs": {"a/b": {"last_due": "x"}}})")
          .ok());
}

TEST(StateFile, MissingFileIsEmptyAndTheFileIsPrivate) {
  const std::string state_dir = vk::testing::MakeTempDir() + "/state";
  Result<AgentState> none = LoadState(state_dir);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  AgentState s;
  s["t/r"].consecutive_failures = 1;
  ASSERT_TRUE(SaveState(state_dir, s).ok());
  struct stat st;
  ASSERT_EQ(::stat(StatePath(state_dir).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  Result<AgentState> back = LoadState(state_dir);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->at("t/r").consecutive_failures, 1);
  std::ofstream(StatePath(state_dir)) << "{broken";
  Result<AgentState> broken = LoadState(state_dir);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.status().message().find("state.json"), std::string::npos);
}

}  // namespace
}  // namespace vk::agent
