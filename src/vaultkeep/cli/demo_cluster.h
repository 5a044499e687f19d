// What `vaultkeep demo` needs around a minivault dev-cluster: starting and
// stopping one with the `minivault` program (a child process whose output
// goes to a log file), its node addresses and token, and a workload of
// KV v2 secrets written and checked through the Vault API.
#ifndef VAULTKEEP_CLI_DEMO_CLUSTER_H_
#define VAULTKEEP_CLI_DEMO_CLUSTER_H_

#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/vault/client.h"

namespace vk::cli {

// Runs `argv` to completion with stdout and stderr appended to `log`.
// kInternal naming the program and exit status (and the log) on failure.
Status RunLogged(const std::vector<std::string>& argv, const std::string& log);

struct DemoCluster {
  std::string dir;
  std::vector<std::string> addrs;  // API addresses, one per node
  std::string token_file;          // DIR/root-token (0600)
  std::string key_dir;             // DIR/keys (KubeVault names)
};

// `minivault dev-cluster up --nodes N --dir DIR --key-prefix P`.
Result<DemoCluster> StartDevCluster(const std::string& minivault,
                                    const std::string& dir, int nodes,
                                    const std::string& key_prefix,
                                    const std::string& log);
// `minivault dev-cluster down --dir DIR --purge` (best effort).
Status StopDevCluster(const std::string& minivault, const std::string& dir,
                      const std::string& log);

// The demo's secrets: secret/data/demo/app-<i>, each a small JSON object
// whose "value" is expected[i].
struct Workload {
  std::vector<std::string> expected;
};

// Writes expected[first..first+count) with `threads` clients in parallel
// through `addr`.
Status WriteSecrets(const vault::ClientOptions& options,
                    const std::string& token, const std::string& addr,
                    const Workload& w, size_t first, size_t count, int threads);
// Reads every secret back; kCorruption naming the first mismatch.
Status VerifySecrets(const vault::ClientOptions& options,
                     const std::string& token, const std::string& addr,
                     const Workload& w, int threads);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_DEMO_CLUSTER_H_
