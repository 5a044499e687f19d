// The agent's configuration file (YAML; every field in docs/agent.md):
// which Vault clusters ("targets") to back up, when, into which
// repositories, and what each repository keeps.
//
// Parsing is strict: an unknown field, a value of the wrong type, a bad
// schedule or duration, a duplicate name or a missing required field is
// kInvalidArgument naming the field by its path
// ("targets[0].repositories[1].retention.keep_daily: ..."), so that a typo
// never silently drops a rule. Relative file names are resolved against
// the directory of the config file. No secret is read here: token and
// password files are named, and read at each run (a rotated token is used
// without a reload).
#ifndef VAULTKEEP_AGENT_CONFIG_H_
#define VAULTKEEP_AGENT_CONFIG_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/access/repo_access.h"
#include "vaultkeep/access/vault_access.h"
#include "vaultkeep/repo/forget_policy.h"
#include "vaultkeep/schedule/schedule.h"

namespace vk::agent {

// One destination of a target.
struct RepoConfig {
  // The `repository` label of the metrics and the key in /status: the
  // field `name`, else the location (`repo`) as written.
  std::string name;
  access::RepoLocation location;  // repo, options (-o), cacert, insecure_tls
  std::string password_file;      // required: the agent has no terminal
  // Applied after each successful backup to the target's own snapshots;
  // no rule set means nothing is forgotten.
  repo::ForgetPolicy retention;
  // This repository's backup schedule; nullopt: the target's.
  std::optional<schedule::Schedule> schedule;
  // When unused data is pruned; nullopt when "off". Default "@daily".
  std::optional<schedule::Schedule> prune_schedule;
};

struct TargetConfig {
  // [A-Za-z0-9._-]{1,64}, unique. Recorded as the snapshots' host name, so
  // that several targets can share a repository and retention groups by
  // target.
  std::string name;
  // vault: addresses, token_file, TLS, appbinding/vaultserver (names or
  // files), kubeconfig/context, wait, stall_timeout; keys: dir or
  // kubernetes_secret, prefix (they fill key_dir/key_secret/key_prefix).
  access::VaultSettings vault;
  bool no_keys = false;  // keys: none
  bool allow_missing_root_token = false;
  int shares = 0;    // 0: the unsealer's secretShares, else the cluster's
  int attempts = 3;  // snapshot attempts per run (leader change, broken
                     // transfer)
  std::optional<schedule::Schedule> schedule;  // always set after parsing
  std::chrono::seconds jitter{0};        // each run is delayed by [0, jitter)
  std::vector<std::string> tags;         // added to every snapshot
  std::vector<RepoConfig> repositories;  // at least one, unique names
};

struct AgentConfig {
  std::string path;       // the file it was read from ("" when parsed)
  std::string listen;     // "host:port"; "" = the CLI's --listen/default
  std::string state_dir;  // required: last errors and run times
  // How long a run waits for a repository locked by another process
  // (another agent's prune) before it counts as a failure.
  std::chrono::seconds lock_wait{std::chrono::minutes(10)};
  // SIGTERM: how long a running backup may still take before it is
  // aborted (nothing is recorded).
  std::chrono::seconds grace{60};
  std::vector<TargetConfig> targets;  // at least one, unique names
};

// `base_dir` resolves relative file names ("" leaves them as they are).
Result<AgentConfig> ParseConfig(std::string_view yaml,
                                const std::string& base_dir);
// Reads and parses `path`; kNotFound/kIOError when it cannot be read.
Result<AgentConfig> LoadConfig(const std::string& path);

}  // namespace vk::agent

#endif  // VAULTKEEP_AGENT_CONFIG_H_
