// Unsealer key stores: where a Vault cluster's unseal keys and root token
// live between restarts, named the way KubeVault's unsealer names them
// (`<keyPrefix>-unseal-key-<i>`, `<keyPrefix>-root-token`; without a
// prefix `unseal-key-<i>` / `root-token`).
//
// Two stores: a directory of files (one key per file; what a systemd
// deployment or `minivault dev-cluster` keeps) and a Kubernetes Secret
// (KubeVault's `kubernetesSecret` unsealer mode: one data key per name).
// Values are the keys as `vault operator init` printed them (hex or
// base64); a value stored as a JSON string (Stash's backup files) reads as
// the string inside.
//
// Contract: Get never fails for a missing key (nullopt); PutAll writes
// every entry or, on error, leaves the store as it was as far as the
// backend allows (a Secret is patched in one request; a directory writes
// every temp file before renaming any). Values never appear in a Status.
#ifndef VAULTKEEP_KEYSTORE_KEY_STORE_H_
#define VAULTKEEP_KEYSTORE_KEY_STORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kit/base/result.h"

namespace vk::k8s {
class Client;
}

namespace vk::keystore {

std::string UnsealKeyName(const std::string& prefix, int index);
std::string RootTokenName(const std::string& prefix);
// kInvalidArgument unless the prefix is usable in file names and Secret
// data keys: [-._a-zA-Z0-9]*, not starting with '.' or '-'.
Status ValidatePrefix(const std::string& prefix);
// A stored value as the key itself: surrounding whitespace trimmed, a JSON
// string unquoted. kInvalidArgument (naming `name`, never the value) for
// an empty value or a malformed JSON string.
Result<std::string> DecodeValue(const std::string& name,
                                const std::string& raw);

class KeyStore {
 public:
  virtual ~KeyStore() = default;
  // "directory /etc/vault/keys", "Kubernetes Secret demo/vault-keys".
  virtual std::string Describe() const = 0;
  virtual Result<std::optional<std::string>> Get(const std::string& name) = 0;
  virtual Status PutAll(const std::map<std::string, std::string>& entries) = 0;
};

// Files DIR/<name>, written 0600 (the directory is created 0700 when
// missing). A file readable by group or others is refused on Get: keys
// must not sit where other users can read them.
std::unique_ptr<KeyStore> NewDirKeyStore(std::string dir);

// The Secret `ns`/`name`; `client` must outlive the store.
std::unique_ptr<KeyStore> NewSecretKeyStore(k8s::Client* client, std::string ns,
                                            std::string name);

// A key as read for escrow.
struct KeyEntry {
  std::string name;
  std::string value;
};

struct CollectOptions {
  std::string prefix;
  int shares = 0;  // unseal keys 0..shares-1
  bool allow_missing_root_token = false;
};

// Reads the root token and every unseal key. kNotFound listing every
// missing name (and the store) when one is absent, unless it is only the
// root token and that is allowed. Order: root token (if present), then
// the unseal keys by index.
Result<std::vector<KeyEntry>> CollectKeys(KeyStore& store,
                                          const CollectOptions& options);

}  // namespace vk::keystore

#endif  // VAULTKEEP_KEYSTORE_KEY_STORE_H_
