// KubeVault's objects, read for what a backup or restore needs: the
// AppBinding (appcatalog.appscode.com/v1alpha1) the operator creates for a
// VaultServer, and optionally the VaultServer (kubevault.com/v1alpha2).
// Both parse from YAML files (one document, or the first document of the
// kind wanted in a multi-document file) or from the API's JSON (the same
// object model).
#ifndef KIT_K8S_KUBEVAULT_H_
#define KIT_K8S_KUBEVAULT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kit/base/result.h"

namespace vk::k8s {

// spec.unsealer (VaultServer) / spec.parameters.unsealer (AppBinding).
struct Unsealer {
  int secret_shares = 5;  // KubeVault's defaults
  int secret_threshold = 3;
  // The mode's key under unsealer.mode: "kubernetesSecret",
  // "googleKmsGcs", "awsKmsSsm", "azureKeyVault", or "" when absent.
  std::string mode;
  std::string secret_name;  // kubernetesSecret.secretName
};

// What vaultkeep takes from the objects.
struct VaultTarget {
  std::string name;  // AppBinding metadata.name
  std::string ns;    // AppBinding metadata.namespace
  // API address(es): clientConfig.url, or
  // "<scheme>://<service>.<ns>.svc:<port>" from clientConfig.service
  // (scheme default "http", port default 8200).
  std::vector<std::string> addrs;
  std::string ca_bundle_pem;          // clientConfig.caBundle, base64-decoded
  std::string tls_server_name;        // clientConfig.serverName, if any
  bool insecure_skip_verify = false;  // clientConfig.insecureSkipTLSVerify
  std::string backend;                // parameters.backend ("raft")
  std::string backup_token_secret;    // parameters.backupTokenSecretRef.name
  // parameters.stash.addon.{backup,restore}Task.params keyPrefix; when the
  // AppBinding gives none: "k8s.kubevault.com.<ns>.<name>" is NOT assumed,
  // the field stays empty and the caller must say (--key-prefix).
  std::string backup_key_prefix;
  std::string restore_key_prefix;
  Unsealer unsealer;
  // From the VaultServer, when read: spec.replicas (0 when unknown) and
  // spec.version.
  int replicas = 0;
  std::string version;
};

// Parses YAML or JSON text into the JSON object model (yaml-cpp; scalars
// keep their YAML types: ints, bools, strings). When the text holds
// several documents, returns the first whose "kind" equals `kind` (any
// document when `kind` is empty). kInvalidArgument with the line and
// column of a syntax error.
Result<nlohmann::json> ParseObject(const std::string& text,
                                   const std::string& kind = "");

// kInvalidArgument naming the field when a required field is missing or
// has the wrong type; kFailedPrecondition when backend is not "raft" (the
// only backend with snapshots).
Result<VaultTarget> TargetFromAppBinding(const nlohmann::json& appbinding);

// Overlays a VaultServer: unsealer (which wins over the AppBinding's copy),
// replicas and version. kInvalidArgument when its name/namespace differ
// from the AppBinding's appRef (a mismatched pair is a user error).
Status ApplyVaultServer(const nlohmann::json& vaultserver, VaultTarget* target);

}  // namespace vk::k8s

#endif  // KIT_K8S_KUBEVAULT_H_
