// A minimal Kubernetes API client: the few reads and writes vaultkeep
// needs (Secrets, AppBindings, VaultServers), JSON over libcurl.
//
// Errors: kNotFound for 404 (naming kind, namespace and name),
// kPermissionDenied for 401/403 (with the API's message, which names the
// verb and resource the service account lacks), kUnavailable for transport
// failures and 5xx, kInvalidArgument for other 4xx. Secret values never
// appear in a Status.
#ifndef KIT_K8S_CLIENT_H_
#define KIT_K8S_CLIENT_H_

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "kit/base/result.h"
#include "kit/k8s/config.h"

namespace vk::k8s {

class Client {
 public:
  explicit Client(ClusterConfig config);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClusterConfig& config() const { return config_; }

  // GET of an object by API path, e.g.
  // "/apis/appcatalog.appscode.com/v1alpha1/namespaces/demo/appbindings/vault".
  Result<nlohmann::json> GetObject(const std::string& api_path);

  Result<nlohmann::json> GetAppBinding(const std::string& ns,
                                       const std::string& name);
  Result<nlohmann::json> GetVaultServer(const std::string& ns,
                                        const std::string& name);

  // The Secret's data, base64-decoded (stringData is not returned by the
  // API and is ignored).
  Result<std::map<std::string, std::string>> GetSecretData(
      const std::string& ns, const std::string& name);

  // Sets the given data keys of a Secret in one request (a JSON merge
  // patch: other keys are kept), creating the Secret (type Opaque) when it
  // does not exist. One request is what makes a key migration all or
  // nothing.
  Status PatchSecretData(const std::string& ns, const std::string& name,
                         const std::map<std::string, std::string>& data);

 private:
  ClusterConfig config_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vk::k8s

#endif  // KIT_K8S_CLIENT_H_
