// Reaching a live Vault cluster (backup, restore, unseal, the agent): where the
// nodes are, TLS, the token, and the unsealer key store — from plain flags,
// from Vault's environment variables, or from KubeVault's AppBinding /
// VaultServer (files or the Kubernetes API).
//
// Precedence, each item: a flag, then Vault's environment variable, then
// the AppBinding/VaultServer. The token is never a flag value (argv is
// world-readable): --token-file, VAULT_TOKEN, or the Secret named by the
// AppBinding's backupTokenSecretRef (key "token").
#ifndef VAULTKEEP_ACCESS_VAULT_ACCESS_H_
#define VAULTKEEP_ACCESS_VAULT_ACCESS_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "kit/k8s/client.h"
#include "kit/k8s/kubevault.h"
#include "vaultkeep/keystore/key_store.h"
#include "vaultkeep/vault/client.h"
#include "vaultkeep/vault/leader.h"

namespace vk::access {

// What the user gave (flags, in the CLI); environment and Kubernetes
// objects fill in the rest in ResolveVault. Names in messages are the
// CLI's flag names.
struct VaultSettings {
  std::vector<std::string> addrs;
  std::string token_file;
  std::string ca_cert, client_cert, client_key, tls_server_name;
  bool tls_skip_verify = false;
  std::string appbinding, appbinding_file;    // NS/NAME | FILE
  std::string vaultserver, vaultserver_file;  // NS/NAME | FILE
  std::string kubeconfig, context;
  std::string key_dir, key_secret;  // unsealer store overrides
  std::string key_prefix;
  bool key_prefix_set = false;
  double wait_s = 120;
  long stall_timeout_s = 60;
};

// Bound on every duration flag: a day.
inline constexpr long kMaxSeconds = 86400;
// A duration flag in seconds: finite, >= 0 (> 0 unless `zero_ok`), at most
// kMaxSeconds. NaN and infinity parse as doubles and are refused here.
Result<std::chrono::milliseconds> Seconds(const std::string& flag, double s,
                                          bool zero_ok);

// What the flags resolve to. Owns the Kubernetes client the key store may
// point into.
struct VaultSetup {
  std::vector<std::string> addrs;
  vault::ClientOptions client;
  std::string token;  // secret
  std::optional<k8s::VaultTarget> target;
  std::unique_ptr<k8s::Client> kube;
  std::unique_ptr<keystore::KeyStore> keys;  // null when none is known
  std::string key_prefix;
  bool key_prefix_known = false;  // from a flag or the AppBinding
  vault::FindOptions find;
};

enum class Purpose { kBackup, kRestore };

// `need_token`: fail when no token can be found.
Result<VaultSetup> ResolveVault(const VaultSettings& f, Purpose purpose,
                                bool need_token);

// Where a live backup's escrowed keys come from (the key store the setup
// resolved, its prefix, how many shares): kInvalidArgument saying what is
// missing (no key store, no prefix) and how to give it. `shares` > 0
// overrides the unsealer's secretShares; 0 in the result means the
// cluster's own count.
struct KeyEscrow {
  keystore::KeyStore* keys = nullptr;  // points into the setup
  std::string prefix;
  int shares = 0;
};
Result<KeyEscrow> EscrowOf(const VaultSetup& v, int shares);

}  // namespace vk::access

#endif  // VAULTKEEP_ACCESS_VAULT_ACCESS_H_
