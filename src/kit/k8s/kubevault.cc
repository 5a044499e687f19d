#include "kit/k8s/kubevault.h"

#include <yaml-cpp/yaml.h>

#include "kit/base/strings.h"

namespace vk::k8s {
namespace {

// yaml-cpp node -> JSON. Plain scalars become integers or booleans when
// they read as one (YAML 1.2 core: true/false only); quoted scalars stay
// strings. Throws YAML::Exception (caught by ParseObject).
nlohmann::json ToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& item : n) a.push_back(ToJson(item));
      return a;
    }
    case YAML::NodeType::Map: {
      nlohmann::json o = nlohmann::json::object();
      for (const auto& kv : n)
        o[kv.first.as<std::string>()] = ToJson(kv.second);
      return o;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true") return true;
      if (s == "false") return false;
      if (s == "null" || s == "~") return nullptr;
      if (!s.empty() && s.size() < 19 &&
          s.find_first_not_of("-0123456789") == std::string::npos &&
          s.find('-', 1) == std::string::npos && s != "-") {
        return std::stoll(s);
      }
      return s;
    }
  }
  return nullptr;
}

const nlohmann::json* Path(const nlohmann::json& j,
                           std::initializer_list<const char*> keys) {
  const nlohmann::json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

Result<std::string> StringAt(const nlohmann::json& j,
                             std::initializer_list<const char*> keys,
                             const std::string& field, bool required) {
  const nlohmann::json* v = Path(j, keys);
  if (v == nullptr || v->is_null()) {
    if (required) return InvalidArgument("missing " + field);
    return std::string();
  }
  if (!v->is_string()) return InvalidArgument(field + " must be a string");
  return v->get<std::string>();
}

Result<int> IntAt(const nlohmann::json& j,
                  std::initializer_list<const char*> keys,
                  const std::string& field, int fallback) {
  const nlohmann::json* v = Path(j, keys);
  if (v == nullptr || v->is_null()) return fallback;
  if (v->is_number_integer()) return v->get<int>();
  if (v->is_string()) {
    const std::string s = v->get<std::string>();
    if (!s.empty() && s.size() < 9 &&
        s.find_first_not_of("0123456789") == std::string::npos)
      return std::stoi(s);
  }
  return InvalidArgument(field + " must be an integer");
}

Result<Unsealer> ParseUnsealer(const nlohmann::json& u,
                               const std::string& where) {
  Unsealer out;
  VK_ASSIGN_OR_RETURN(out.secret_shares,
                      IntAt(u, {"secretShares"}, where + ".secretShares", 5));
  VK_ASSIGN_OR_RETURN(
      out.secret_threshold,
      IntAt(u, {"secretThreshold"}, where + ".secretThreshold", 3));
  if (out.secret_shares < 1 || out.secret_shares > 255 ||
      out.secret_threshold < 1 || out.secret_threshold > out.secret_shares) {
    return InvalidArgument(
        where + ": secretShares " + std::to_string(out.secret_shares) +
        " / secretThreshold " + std::to_string(out.secret_threshold) +
        " are out of range");
  }
  const nlohmann::json* mode = Path(u, {"mode"});
  if (mode != nullptr && mode->is_object() && !mode->empty()) {
    out.mode = mode->begin().key();
    if (out.mode == "kubernetesSecret") {
      VK_ASSIGN_OR_RETURN(
          out.secret_name,
          StringAt(*mode, {"kubernetesSecret", "secretName"},
                   where + ".mode.kubernetesSecret.secretName", true));
    }
  }
  return out;
}

std::string KeyPrefixParam(const nlohmann::json& params, const char* task) {
  const nlohmann::json* list = Path(params, {"stash", "addon", task, "params"});
  if (list == nullptr || !list->is_array()) return "";
  for (const auto& p : *list) {
    if (p.is_object() && p.value("name", "") == "keyPrefix" &&
        p.contains("value") && p["value"].is_string())
      return p["value"].get<std::string>();
  }
  return "";
}

}  // namespace

Result<nlohmann::json> ParseObject(const std::string& text,
                                   const std::string& kind) {
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(text);
    for (const YAML::Node& d : docs) {
      if (!d.IsMap()) continue;
      nlohmann::json j = ToJson(d);
      if (kind.empty() || (j.contains("kind") && j["kind"] == kind)) return j;
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgument("YAML syntax error at line " +
                           std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return InvalidArgument(kind.empty()
                             ? "no object in the document"
                             : "no " + kind + " object in the document");
}

Result<VaultTarget> TargetFromAppBinding(const nlohmann::json& ab) {
  if (!ab.is_object() || ab.value("kind", "") != "AppBinding") {
    return InvalidArgument("not an AppBinding (kind " +
                           Quote(ab.is_object() ? ab.value("kind", "") : "") +
                           ")");
  }
  VaultTarget t;
  VK_ASSIGN_OR_RETURN(t.name, StringAt(ab, {"metadata", "name"},
                                       "AppBinding metadata.name", true));
  VK_ASSIGN_OR_RETURN(t.ns, StringAt(ab, {"metadata", "namespace"},
                                     "AppBinding metadata.namespace", false));
  if (t.ns.empty()) t.ns = "default";
  std::string where = "AppBinding " + t.ns + "/" + t.name;
  const nlohmann::json* cc = Path(ab, {"spec", "clientConfig"});
  if (cc == nullptr || !cc->is_object())
    return InvalidArgument(where + ": missing spec.clientConfig");
  VK_ASSIGN_OR_RETURN(
      std::string url,
      StringAt(*cc, {"url"}, where + " clientConfig.url", false));
  if (!url.empty()) {
    t.addrs.push_back(url);
  } else {
    const nlohmann::json* svc = Path(*cc, {"service"});
    if (svc == nullptr || !svc->is_object())
      return InvalidArgument(where +
                             ": clientConfig has neither url nor service");
    VK_ASSIGN_OR_RETURN(
        std::string name,
        StringAt(*svc, {"name"}, where + " service.name", true));
    VK_ASSIGN_OR_RETURN(
        std::string scheme,
        StringAt(*svc, {"scheme"}, where + " service.scheme", false));
    VK_ASSIGN_OR_RETURN(int port,
                        IntAt(*svc, {"port"}, where + " service.port", 8200));
    if (scheme.empty()) scheme = "http";
    t.addrs.push_back(scheme + "://" + name + "." + t.ns +
                      ".svc:" + std::to_string(port));
  }
  VK_ASSIGN_OR_RETURN(std::string ca,
                      StringAt(*cc, {"caBundle"}, where + " caBundle", false));
  if (!ca.empty()) {
    Result<std::string> pem = Base64Decode(ca);
    if (!pem.ok()) return InvalidArgument(where + ": caBundle is not base64");
    t.ca_bundle_pem = *pem;
  }
  VK_ASSIGN_OR_RETURN(
      t.tls_server_name,
      StringAt(*cc, {"serverName"}, where + " serverName", false));
  const nlohmann::json* insecure = Path(*cc, {"insecureSkipTLSVerify"});
  t.insecure_skip_verify =
      insecure != nullptr && insecure->is_boolean() && insecure->get<bool>();

  const nlohmann::json* params = Path(ab, {"spec", "parameters"});
  if (params == nullptr || !params->is_object())
    return InvalidArgument(where + ": missing spec.parameters");
  VK_ASSIGN_OR_RETURN(t.backend, StringAt(*params, {"backend"},
                                          where + " parameters.backend", true));
  if (t.backend != "raft") {
    return FailedPrecondition(where + ": backend " + Quote(t.backend) +
                              " has no raft snapshots; only raft can be "
                              "backed up");
  }
  VK_ASSIGN_OR_RETURN(
      t.backup_token_secret,
      StringAt(*params, {"backupTokenSecretRef", "name"},
               where + " parameters.backupTokenSecretRef.name", false));
  t.backup_key_prefix = KeyPrefixParam(*params, "backupTask");
  t.restore_key_prefix = KeyPrefixParam(*params, "restoreTask");
  if (const nlohmann::json* u = Path(*params, {"unsealer"});
      u != nullptr && u->is_object()) {
    VK_ASSIGN_OR_RETURN(t.unsealer,
                        ParseUnsealer(*u, where + " parameters.unsealer"));
  }
  return t;
}

Status ApplyVaultServer(const nlohmann::json& vs, VaultTarget* t) {
  if (!vs.is_object() || vs.value("kind", "") != "VaultServer")
    return InvalidArgument("not a VaultServer object");
  VK_ASSIGN_OR_RETURN(
      std::string name,
      StringAt(vs, {"metadata", "name"}, "VaultServer metadata.name", true));
  VK_ASSIGN_OR_RETURN(std::string ns,
                      StringAt(vs, {"metadata", "namespace"},
                               "VaultServer metadata.namespace", false));
  if (ns.empty()) ns = t->ns;
  if (name != t->name || ns != t->ns) {
    return InvalidArgument("VaultServer " + ns + "/" + name +
                           " does not belong to AppBinding " + t->ns + "/" +
                           t->name);
  }
  std::string where = "VaultServer " + ns + "/" + name;
  if (const nlohmann::json* u = Path(vs, {"spec", "unsealer"});
      u != nullptr && u->is_object()) {
    VK_ASSIGN_OR_RETURN(t->unsealer,
                        ParseUnsealer(*u, where + " spec.unsealer"));
  }
  VK_ASSIGN_OR_RETURN(t->replicas, IntAt(vs, {"spec", "replicas"},
                                         where + " spec.replicas", 0));
  VK_ASSIGN_OR_RETURN(t->version, StringAt(vs, {"spec", "version"},
                                           where + " spec.version", false));
  if (const nlohmann::json* b = Path(vs, {"spec", "backend"});
      b != nullptr && b->is_object() && !b->empty() && !b->contains("raft")) {
    return FailedPrecondition(where + ": backend " + b->begin().key() +
                              " has no raft snapshots");
  }
  return Status::Ok();
}

}  // namespace vk::k8s
