// How to reach a Kubernetes API server: from inside a pod (the service
// account's token, CA and namespace files) or from a kubeconfig file.
#ifndef KIT_K8S_CONFIG_H_
#define KIT_K8S_CONFIG_H_

#include <string>

#include "kit/base/result.h"

namespace vk::k8s {

struct ClusterConfig {
  std::string server;  // "https://10.0.0.1:443"
  std::string ca_pem;  // trusted CA bundle, PEM text; empty: system store
  bool insecure_skip_verify = false;
  std::string tls_server_name;
  // Credentials: a bearer token, or a client certificate and key (PEM
  // text, never written to disk by us).
  std::string token;
  std::string client_cert_pem;
  std::string client_key_pem;
  std::string ns;  // default namespace ("default" when nothing says)
};

// In-cluster: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT and the
// files token, ca.crt, namespace under `sa_dir` (normally
// /var/run/secrets/kubernetes.io/serviceaccount; tests point it
// elsewhere). kFailedPrecondition "not running in a Kubernetes pod" when
// the variables are unset.
Result<ClusterConfig> InClusterConfig(
    const std::string& sa_dir =
        "/var/run/secrets/kubernetes.io/serviceaccount");

// A kubeconfig file (YAML): the named context, or current-context when
// `context` is empty. Supports server, certificate-authority(-data),
// insecure-skip-tls-verify, tls-server-name, token, tokenFile,
// client-certificate(-data), client-key(-data) and the context's
// namespace. Relative file paths are resolved against the kubeconfig's
// directory. Exec and auth-provider plugins are refused with a clear
// kInvalidArgument (nothing here can run them).
Result<ClusterConfig> LoadKubeconfig(const std::string& path,
                                     const std::string& context = "");

// The usual order: --kubeconfig if given, else $KUBECONFIG (first file),
// else in-cluster, else ~/.kube/config.
Result<ClusterConfig> DefaultConfig(const std::string& kubeconfig_flag,
                                    const std::string& context);

}  // namespace vk::k8s

#endif  // KIT_K8S_CONFIG_H_
