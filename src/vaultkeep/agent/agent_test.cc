// The agent's scheduling against a stateful fake Vault node (a real HTTP
// server on 127.0.0.1) and real repositories on disk, on real time with
// one-second schedules: backups land, retention keeps the newest, a broken
// repository fails only its own job (reason storage) and the HTTP API
// reports it all. The end-to-end tests (tests/agent/) do the same against
// minivault clusters and a real Prometheus.
#include "vaultkeep/agent/agent.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "kit/base/poll.h"
#include "kit/testing/test_dir.h"
#include "vaultkeep/agent/http_api.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/storage/storage.h"
#include "vaultkeep/testing/fake_vault_node.h"
#include "vaultkeep/testing/repo_fixture.h"

namespace vk::agent {
namespace {

using vault::testing::FakeVaultNode;
using vault::testing::NodeState;

constexpr char kToken[] = "s.agent-token";

std::string WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), 0600);
  return path;
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = vk::testing::MakeTempDir();
    NodeState s;
    s.tokens = {kToken};
    s.snapshot = vk::testing::MakeArchive({.records = 20, .index = 42});
    s.raft_index = 40;
    node_ = std::make_unique<FakeVaultNode>(s);
    good_ = dir_ + "/good";
    ASSERT_EQ(::mkdir(good_.c_str(), 0700), 0);
    storage_ = storage::NewLocalStorage(good_);
    ASSERT_TRUE(vk::testing::InitRepo(*storage_).ok());
    WriteFile(dir_ + "/pw", vk::testing::kTestPassword);
    WriteFile(dir_ + "/token", kToken);
  }

  RepoConfig Repo(const std::string& name, const std::string& where) {
    RepoConfig r;
    r.name = name;
    r.location.where = where;
    r.password_file = dir_ + "/pw";
    return r;
  }

  AgentConfig Config() {
    AgentConfig c;
    c.state_dir = dir_ + "/state";
    c.lock_wait = std::chrono::seconds(5);
    c.grace = std::chrono::seconds(5);
    TargetConfig t;
    t.name = "prod";
    t.vault.addrs = {node_->addr()};
    t.vault.token_file = dir_ + "/token";
    t.vault.wait_s = 0;
    t.no_keys = true;
    t.attempts = 1;
    t.schedule = *schedule::Schedule::Parse("@every 1s");
    RepoConfig good = Repo("good", good_);
    good.retention.last = 2;
    t.repositories = {good, Repo("broken", dir_ + "/missing")};
    c.targets = {t};
    return c;
  }

  // Waits (up to 30 s) until `pred` holds on the /status document.
  void WaitStatus(Agent& a,
                  const std::function<bool(const nlohmann::json&)>& pred) {
    Status st = PollUntil(
        {.timeout = std::chrono::seconds(30),
         .interval = std::chrono::milliseconds(100)},
        [&]() -> std::optional<Status> {
          if (pred(nlohmann::json::parse(a.StatusJson()))) return Status::Ok();
          return std::nullopt;
        },
        [] { return Unavailable("timed out"); });
    ASSERT_TRUE(st.ok()) << a.StatusJson();
  }

  std::string dir_, good_;
  std::unique_ptr<FakeVaultNode> node_;
  std::unique_ptr<storage::Storage> storage_;
};

// The value of the series `name{labels}` in a text exposition, -1 when
// absent. `labels` as prometheus-cpp orders them (alphabetically).
double Metric(const std::string& text, const std::string& series) {
  size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

const nlohmann::json& RepoStatus(const nlohmann::json& s,
                                 const std::string& name) {
  for (const auto& r : s["targets"][0]["repositories"])
    if (r["name"] == name) return r;
  static const nlohmann::json none;
  return none;
}

TEST_F(AgentTest, BacksUpKeepsTheNewestAndIsolatesABrokenRepository) {
  Agent a(Config(), {.version = "test"});
  ASSERT_TRUE(a.Start().ok());
  const std::string good_success =
      "vaultkeep_backup_success_total{repository=\"good\",target=\"prod\"}";
  WaitStatus(a, [&](const nlohmann::json& s) {
    const auto& good = RepoStatus(s, "good");
    const auto& broken = RepoStatus(s, "broken");
    return !good["last_success"].is_null() &&
           good["retention"]["last_success"].is_string() &&
           Metric(a.MetricsText(), good_success) >= 3 &&
           broken["consecutive_failures"] >= 2;
  });
  a.Stop();
  // Retention kept the two newest; every snapshot carries the target.
  auto repo = vk::testing::OpenRepo(*storage_);
  ASSERT_TRUE(repo.ok());
  auto all = backup::ListSnapshots(**repo);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  for (const auto& e : *all) EXPECT_EQ(e.file.hostname, "prod");

  const std::string m = a.MetricsText();
  EXPECT_NE(m.find("vaultkeep_backup_failure_total{reason=\"storage\","
                   "repository=\"broken\",target=\"prod\"}"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("vaultkeep_backup_failing{repository=\"broken\","
                   "target=\"prod\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("vaultkeep_backup_failing{repository=\"good\","
                   "target=\"prod\"} 0"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("vaultkeep_agent_info{version=\"test\"} 1"),
            std::string::npos);
  // The broken job's last error survives in the state file.
  Result<AgentState> state = LoadState(dir_ + "/state");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->at("prod/broken").last_error_reason, "storage");
  EXPECT_GE(state->at("prod/broken").consecutive_failures, 2);
  EXPECT_EQ(state->at("prod/good").consecutive_failures, 0);
}

TEST_F(AgentTest, RestartKeepsHistoryAndTheHttpApiAnswers) {
  {
    Agent a(Config(), {.version = "test"});
    ASSERT_TRUE(a.Start().ok());
    WaitStatus(a, [](const nlohmann::json& s) {
      return !RepoStatus(s, "good")["last_success"].is_null() &&
             RepoStatus(s, "broken")["consecutive_failures"] >= 1;
    });
  }
  AgentConfig c = Config();
  c.targets[0].schedule = *schedule::Schedule::Parse("@every 1h");
  c.targets[0].vault.addrs = {"http://127.0.0.1:1"};  // nothing listens
  Agent a(c, {.version = "test"});
  ASSERT_TRUE(a.Start().ok());
  // Before any new run: the success from the repository, the error from
  // the state file.
  WaitStatus(a, [](const nlohmann::json& s) {
    const auto& good = RepoStatus(s, "good");
    const auto& broken = RepoStatus(s, "broken");
    return good["last_success"].is_string() &&
           good["last_snapshot"].is_string() &&
           broken["last_error_reason"] == "storage" &&
           broken["last_error"].is_string() && good["next_run"].is_string();
  });
  httpd::Handler api = HttpApi(a);
  auto call = [&](const std::string& method, const std::string& path) {
    httpd::Request req;
    req.method = method;
    req.path = path;
    auto w = std::make_unique<httpd::MemoryResponseWriter>();
    api(req, *w);
    return w;
  };
  EXPECT_EQ(call("GET", "/healthz")->status(), 200);
  EXPECT_EQ(call("POST", "/run/nope")->status(), 404);
  EXPECT_EQ(call("GET", "/run/prod")->status(), 405);
  EXPECT_EQ(call("GET", "/nothing")->status(), 404);
  auto metrics = call("GET", "/metrics");
  EXPECT_NE(metrics->body().find("vaultkeep_backup_next_run_timestamp_seconds"),
            std::string::npos);
  // A run now, against a Vault that does not answer: reason unreachable.
  auto run = call("POST", "/run/prod");
  EXPECT_EQ(run->status(), 202);
  auto body = nlohmann::json::parse(run->body());
  EXPECT_EQ(body["started"].size() + body["skipped"].size(), 2u);
  WaitStatus(a, [](const nlohmann::json& s) {
    return RepoStatus(s, "good")["last_error_reason"] == "unreachable";
  });
  a.Stop();
  EXPECT_EQ(call("GET", "/healthz")->status(), 503);
}

TEST_F(AgentTest, ARunLongerThanItsIntervalIsSkippedNotOverlapped) {
  // The snapshot takes 2.5 s; the schedule is every second.
  std::atomic<int> active{0}, most{0};
  const std::string archive = vk::testing::MakeArchive({.index = 42});
  node_->http().On("sys/storage/raft/snapshot", [&](httpd::Request&,
                                                    httpd::ResponseWriter& w) {
    most = std::max(most.load(), ++active);
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    --active;
    w.Send(200, archive, "application/octet-stream");
  });
  AgentConfig c = Config();
  c.targets[0].repositories.pop_back();
  Agent a(c, {.version = "test"});
  ASSERT_TRUE(a.Start().ok());
  const std::string skipped =
      "vaultkeep_backup_skipped_total{reason=\"overlap\",repository=\"good\","
      "target=\"prod\"}";
  WaitStatus(a, [&](const nlohmann::json& s) {
    return RepoStatus(s, "good")["last_success"].is_string() &&
           Metric(a.MetricsText(), skipped) >= 2;
  });
  a.Stop();
  EXPECT_EQ(most.load(), 1);
}

TEST_F(AgentTest, AReloadDropsARemovedRepositoryAndAFailedOneIsReported) {
  Agent a(Config(), {.version = "test"});
  ASSERT_TRUE(a.Start().ok());
  WaitStatus(a, [](const nlohmann::json& s) {
    return RepoStatus(s, "broken")["consecutive_failures"] >= 1;
  });
  a.ReloadFailed(InvalidArgument("targets[0].schedule: bad"));
  EXPECT_EQ(nlohmann::json::parse(a.StatusJson())["config_error"],
            "targets[0].schedule: bad");
  EXPECT_NE(a.MetricsText().find("vaultkeep_config_last_reload_successful 0"),
            std::string::npos);
  AgentConfig c = Config();
  c.targets[0].repositories.pop_back();
  a.Reload(c);
  WaitStatus(a, [&](const nlohmann::json& s) {
    return s["config_error"].is_null() &&
           s["targets"][0]["repositories"].size() == 1 &&
           a.MetricsText().find("repository=\"broken\"") == std::string::npos;
  });
  EXPECT_NE(a.MetricsText().find("vaultkeep_config_last_reload_successful 1"),
            std::string::npos);
}

}  // namespace
}  // namespace vk::agent
