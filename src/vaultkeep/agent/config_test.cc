#include "vaultkeep/agent/config.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <fstream>
#include <string>

#include "kit/testing/test_dir.h"

namespace vk::agent {
namespace {

constexpr char kFull[] = R"(
state_dir: state
listen: 127.0.0.1:9470
lock_wait: 2m
grace: 30s
targets:
  - name: prod
    vault:
      addresses: [https://vault-0:8200, https://vault-1:8200]
      ca_cert: ca.pem
      client_cert: /etc/c.pem
      client_key: k.pem
      tls_server_name: vault.internal
      tls_skip_verify: true
      token_file: token
      appbinding: demo/vault
      vaultserver_file: vs.yaml
      kubeconfig: kube/config
      context: ctx
      wait: 2m
      stall_timeout: 90s
    keys: {dir: keys, prefix: k8s.kubevault.com.demo.vault}
    allow_missing_root_token: true
    shares: 5
    attempts: 4
    schedule: "CRON_TZ=Europe/Paris 30 2 * * *"
    jitter: 30s
    tags: [prod, eu]
    repositories:
      - name: offsite
        repo: s3:https://s3.example/backups/prod
        password_file: /etc/vaultkeep/pw
        options: {s3.region: eu-west-1, s3.connections: "4"}
        cacert: s3-ca.pem
        insecure_tls: false
        retention: {keep_last: 48, keep_hourly: -1, keep_daily: 14, keep_weekly: 8, keep_monthly: 12, keep_yearly: 3, keep_within: 7d, keep_tags: [[a, b]]}
        schedule: "@daily"
        prune_schedule: "@weekly"
      - repo: local-repo
        password_file: pw
        prune_schedule: "off"
  - name: dev
    keys: none
    schedule: "@every 30s"
    repositories:
      - repo: /srv/dev
        password_file: pw
)";

TEST(AgentConfig, EveryFieldLandsWhereItBelongs) {
  // The S3 location is checked as the CLI checks it, credentials included.
  ::setenv("AWS_ACCESS_KEY_ID", "test-key", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "test-secret", 1);
  Result<AgentConfig> c = ParseConfig(kFull, "/etc/vk");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->state_dir, "/etc/vk/state");
  EXPECT_EQ(c->listen, "127.0.0.1:9470");
  EXPECT_EQ(c->lock_wait, std::chrono::minutes(2));
  EXPECT_EQ(c->grace, std::chrono::seconds(30));
  ASSERT_EQ(c->targets.size(), 2u);
  const TargetConfig& t = c->targets[0];
  EXPECT_EQ(t.name, "prod");
  EXPECT_EQ(t.vault.addrs, (std::vector<std::string>{"https://vault-0:8200",
                                                     "https://vault-1:8200"}));
  EXPECT_EQ(t.vault.ca_cert, "/etc/vk/ca.pem");
  EXPECT_EQ(t.vault.client_cert, "/etc/c.pem");
  EXPECT_EQ(t.vault.client_key, "/etc/vk/k.pem");
  EXPECT_EQ(t.vault.tls_server_name, "vault.internal");
  EXPECT_TRUE(t.vault.tls_skip_verify);
  EXPECT_EQ(t.vault.token_file, "/etc/vk/token");
  EXPECT_EQ(t.vault.appbinding, "demo/vault");
  EXPECT_EQ(t.vault.vaultserver_file, "/etc/vk/vs.yaml");
  EXPECT_EQ(t.vault.kubeconfig, "/etc/vk/kube/config");
  EXPECT_EQ(t.vault.context, "ctx");
  EXPECT_EQ(t.vault.wait_s, 120);
  EXPECT_EQ(t.vault.stall_timeout_s, 90);
  EXPECT_EQ(t.vault.key_dir, "/etc/vk/keys");
  EXPECT_EQ(t.vault.key_prefix, "k8s.kubevault.com.demo.vault");
  EXPECT_TRUE(t.vault.key_prefix_set);
  EXPECT_FALSE(t.no_keys);
  EXPECT_TRUE(t.allow_missing_root_token);
  EXPECT_EQ(t.shares, 5);
  EXPECT_EQ(t.attempts, 4);
  EXPECT_EQ(t.schedule->zone_name(), "Europe/Paris");
  EXPECT_EQ(t.jitter, std::chrono::seconds(30));
  EXPECT_EQ(t.tags, (std::vector<std::string>{"prod", "eu"}));
  ASSERT_EQ(t.repositories.size(), 2u);
  const RepoConfig& r = t.repositories[0];
  EXPECT_EQ(r.name, "offsite");
  EXPECT_EQ(r.location.where, "s3:https://s3.example/backups/prod");
  EXPECT_EQ(r.location.options.extended,
            (std::vector<std::string>{"s3.connections=4",
                                      "s3.region=eu-west-1"}));
  EXPECT_EQ(r.location.options.cacert, "/etc/vk/s3-ca.pem");
  EXPECT_EQ(r.password_file, "/etc/vaultkeep/pw");
  EXPECT_EQ(r.retention.last, 48);
  EXPECT_EQ(r.retention.hourly, -1);
  EXPECT_EQ(r.retention.daily, 14);
  EXPECT_EQ(r.retention.weekly, 8);
  EXPECT_EQ(r.retention.monthly, 12);
  EXPECT_EQ(r.retention.yearly, 3);
  EXPECT_EQ(r.retention.within.days, 7);
  EXPECT_EQ(r.retention.keep_tags,
            (std::vector<std::vector<std::string>>{{"a", "b"}}));
  EXPECT_EQ(r.schedule->text(), "@daily");
  EXPECT_EQ(r.prune_schedule->text(), "@weekly");
  // Defaults: the name is the location; prune "off" is none.
  const RepoConfig& local = t.repositories[1];
  EXPECT_EQ(local.location.where, "/etc/vk/local-repo");
  EXPECT_EQ(local.name, "/etc/vk/local-repo");
  EXPECT_FALSE(local.prune_schedule.has_value());
  EXPECT_FALSE(local.schedule.has_value());
  EXPECT_FALSE(local.retention.HasRule());
  const TargetConfig& dev = c->targets[1];
  EXPECT_TRUE(dev.no_keys);
  EXPECT_EQ(dev.attempts, 3);
  EXPECT_EQ(dev.jitter, std::chrono::seconds(0));
  EXPECT_EQ(dev.repositories[0].prune_schedule->text(), "@daily");
}

// Each mistake is refused with the path of the field it is in.
TEST(AgentConfig, MistakesNameTheirField) {
  const std::string target =
      "state_dir: s\ntargets:\n  - name: p\n    schedule: \"@hourly\"\n"
      "    repositories:\n      - repo: /r\n        password_file: pw\n";
  ASSERT_TRUE(ParseConfig(target, "").ok());
  struct Case {
    std::string yaml, expect;
  };
  const Case cases[] = {
      {"targets: []\n", "state_dir: required"},
      {"state_dir: s\n", "targets: required"},
      {"state_dir: s\nstate_dri: x\n" + target.substr(13),
       "state_dri: unknown field"},
      {target + "        retention: {keep_dialy: 3}\n",
       "targets[0].repositories[0].retention.keep_dialy: unknown field "
       "(known: keep_last"},
      {target + "        retention: {keep_daily: -2}\n",
       "targets[0].repositories[0].retention.keep_daily: must be from -1"},
      {target + "        retention: {keep_daily: many}\n",
       "keep_daily: expected a whole number"},
      {target + "        retention: {keep_within: 7 days}\n",
       "keep_within: keep-within 7 days"},
      {target + "        schedule: \"61 * * * *\"\n",
       "targets[0].repositories[0].schedule: "},
      {target + "        options: {s3.region: x}\n",
       "targets[0].repositories[0].repo: "},
      {target + "        insecure_tls: maybe\n",
       "insecure_tls: expected true or false"},
      {target + "      - repo: /r\n        password_file: pw\n",
       "targets[0].repositories[1]: repository name \"/r\" is used twice"},
      {target + "      - repo: /r2\n", "repositories[1].password_file: required"},
      {target + "  - name: p\n    schedule: \"@hourly\"\n"
                "    repositories: [{repo: /x, password_file: pw}]\n",
       "targets[1]: target name \"p\" is used twice"},
      {"state_dir: s\ntargets:\n  - name: \"a b\"\n", "targets[0].name: "},
      {"state_dir: s\ntargets:\n  - name: p\n    repositories: []\n",
       "targets[0].schedule: required"},
      {"state_dir: s\ntargets:\n  - name: p\n    schedule: \"@hourly\"\n",
       "targets[0].repositories: required"},
      {target + "    attempts: 0\n", "targets[0].attempts: must be from 1"},
      {target + "    jitter: soon\n", "targets[0].jitter: "},
      {target + "    vault: {adresses: [x]}\n",
       "targets[0].vault.adresses: unknown field"},
      {target + "    keys: {dir: a, kubernetes_secret: ns/n}\n",
       "targets[0].keys: give dir or kubernetes_secret, not both"},
      {target + "    tags: [\"a,b\"]\n", "targets[0].tags: "},
      {"state_dir: [\n", "not valid YAML"},
      {"- a\n", "the config must be a mapping"},
  };
  for (const Case& c : cases) {
    Result<AgentConfig> r = ParseConfig(c.yaml, "");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.yaml;
    EXPECT_NE(r.status().message().find(c.expect), std::string::npos)
        << "got: " << r.status().message() << "\nwanted: " << c.expect;
  }
}

TEST(AgentConfig, LoadConfigNamesTheFileAndResolvesAgainstItsDirectory) {
  const std::string dir = vk::testing::MakeTempDir();
  std::ofstream(dir + "/agent.yaml")
      << "state_dir: st\ntargets:\n  - name: p\n    schedule: \"@daily\"\n"
         "    keys: {kubernetes_secret: ns/keys, prefix: \"\"}\n"
         "    repositories: [{repo: r, password_file: pw}]\n";
  Result<AgentConfig> c = LoadConfig(dir + "/agent.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->path, dir + "/agent.yaml");
  EXPECT_EQ(c->state_dir, dir + "/st");
  EXPECT_EQ(c->targets[0].repositories[0].password_file, dir + "/pw");
  EXPECT_EQ(c->targets[0].vault.key_secret, "ns/keys");
  EXPECT_EQ(c->targets[0].vault.key_prefix, "");
  EXPECT_TRUE(c->targets[0].vault.key_prefix_set);
  Result<AgentConfig> missing = LoadConfig(dir + "/nope.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.yaml"), std::string::npos);
}

}  // namespace
}  // namespace vk::agent
