#include "kit/k8s/config.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <optional>

#include "kit/base/strings.h"
#include "kit/env/file.h"

namespace vk::k8s {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Finds the entry named `name` in a kubeconfig list (clusters, users,
// contexts) and returns its inner map (cluster, user, context).
std::optional<YAML::Node> Named(const YAML::Node& list, const std::string& name,
                                const char* inner) {
  if (!list || !list.IsSequence()) return std::nullopt;
  for (const auto& item : list) {
    if (item.IsMap() && item["name"] && item["name"].IsScalar() &&
        item["name"].as<std::string>() == name && item[inner] &&
        item[inner].IsMap())
      return item[inner];
  }
  return std::nullopt;
}

std::string Str(const YAML::Node& m, const char* key) {
  if (!m || !m.IsMap() || !m[key] || !m[key].IsScalar()) return "";
  return m[key].as<std::string>();
}

std::string Resolve(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return dir + "/" + path;
}

// "<what>-data" (base64 PEM) or "<what>" (a file); empty when neither.
Result<std::string> PemFrom(const YAML::Node& m, const std::string& key,
                            const std::string& dir) {
  std::string data = Str(m, (key + "-data").c_str());
  if (!data.empty()) {
    Result<std::string> pem = Base64Decode(data);
    if (!pem.ok()) return InvalidArgument(key + "-data is not base64");
    return *pem;
  }
  std::string file = Str(m, key.c_str());
  if (file.empty()) return std::string();
  return ReadSmallFile(Resolve(dir, file), 1 << 20);
}

}  // namespace

Result<ClusterConfig> InClusterConfig(const std::string& sa_dir) {
  std::string host = Getenv("KUBERNETES_SERVICE_HOST");
  std::string port = Getenv("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    return FailedPrecondition(
        "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST/PORT are "
        "unset); give --kubeconfig");
  }
  ClusterConfig c;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  c.server = "https://" + host + ":" + port;
  VK_ASSIGN_OR_RETURN(std::string token,
                      ReadSmallFile(sa_dir + "/token", 64 << 10));
  c.token = TrimSpace(std::move(token));
  if (Exists(sa_dir + "/ca.crt")) {
    VK_ASSIGN_OR_RETURN(c.ca_pem, ReadSmallFile(sa_dir + "/ca.crt", 1 << 20));
  }
  if (Exists(sa_dir + "/namespace")) {
    VK_ASSIGN_OR_RETURN(std::string ns,
                        ReadSmallFile(sa_dir + "/namespace", 4096));
    c.ns = TrimSpace(std::move(ns));
  }
  if (c.ns.empty()) c.ns = "default";
  return c;
}

Result<ClusterConfig> LoadKubeconfig(const std::string& path,
                                     const std::string& context) {
  VK_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 4 << 20));
  std::string dir = ".";
  if (size_t slash = path.rfind('/'); slash != std::string::npos)
    dir = slash == 0 ? "/" : path.substr(0, slash);
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return InvalidArgument(path + ": not a kubeconfig");
    std::string ctx_name =
        context.empty() ? Str(root, "current-context") : context;
    if (ctx_name.empty())
      return InvalidArgument(path + ": no current-context; give --context");
    std::optional<YAML::Node> ctx_node =
        Named(root["contexts"], ctx_name, "context");
    if (!ctx_node)
      return InvalidArgument(path + ": no context " + Quote(ctx_name));
    const YAML::Node& ctx = *ctx_node;
    std::string cluster_name = Str(ctx, "cluster");
    std::string user_name = Str(ctx, "user");
    std::optional<YAML::Node> cluster_node =
        Named(root["clusters"], cluster_name, "cluster");
    if (!cluster_node)
      return InvalidArgument(path + ": context " + Quote(ctx_name) +
                             " names cluster " + Quote(cluster_name) +
                             ", which is not defined");
    const YAML::Node& cluster = *cluster_node;
    ClusterConfig c;
    c.server = Str(cluster, "server");
    if (c.server.empty())
      return InvalidArgument(path + ": cluster " + Quote(cluster_name) +
                             " has no server");
    VK_ASSIGN_OR_RETURN(c.ca_pem,
                        PemFrom(cluster, "certificate-authority", dir));
    c.insecure_skip_verify = Str(cluster, "insecure-skip-tls-verify") == "true";
    c.tls_server_name = Str(cluster, "tls-server-name");
    std::optional<YAML::Node> user_node =
        Named(root["users"], user_name, "user");
    if (user_node) {
      const YAML::Node& user = *user_node;
      if (user["exec"] || user["auth-provider"]) {
        return InvalidArgument(
            path + ": user " + Quote(user_name) +
            " authenticates with an exec or auth-provider plugin, which "
            "vaultkeep cannot run; use a token or a client certificate");
      }
      c.token = Str(user, "token");
      std::string token_file = Str(user, "tokenFile");
      if (c.token.empty() && !token_file.empty()) {
        VK_ASSIGN_OR_RETURN(std::string t,
                            ReadSmallFile(Resolve(dir, token_file), 64 << 10));
        c.token = TrimSpace(std::move(t));
      }
      VK_ASSIGN_OR_RETURN(c.client_cert_pem,
                          PemFrom(user, "client-certificate", dir));
      VK_ASSIGN_OR_RETURN(c.client_key_pem, PemFrom(user, "client-key", dir));
      if (c.client_cert_pem.empty() != c.client_key_pem.empty())
        return InvalidArgument(path + ": user " + Quote(user_name) +
                               " has a client certificate without its key "
                               "or a key without its certificate");
    }
    c.ns = Str(ctx, "namespace");
    if (c.ns.empty()) c.ns = "default";
    return c;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path + ": YAML syntax error at line " +
                           std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<ClusterConfig> DefaultConfig(const std::string& kubeconfig_flag,
                                    const std::string& context) {
  if (!kubeconfig_flag.empty()) return LoadKubeconfig(kubeconfig_flag, context);
  std::string env = Getenv("KUBECONFIG");
  if (!env.empty()) {
    std::string first = env.substr(0, env.find(':'));
    return LoadKubeconfig(first, context);
  }
  if (!Getenv("KUBERNETES_SERVICE_HOST").empty() && context.empty())
    return InClusterConfig();
  std::string home = Getenv("HOME");
  if (!home.empty() && Exists(home + "/.kube/config"))
    return LoadKubeconfig(home + "/.kube/config", context);
  return FailedPrecondition(
      "no Kubernetes configuration: not in a pod, no --kubeconfig, "
      "$KUBECONFIG or ~/.kube/config");
}

}  // namespace vk::k8s
