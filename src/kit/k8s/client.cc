#include "kit/k8s/client.h"

#include "kit/base/strings.h"
#include "kit/httpc/client.h"

namespace vk::k8s {

struct Client::Impl {
  httpc::Client http;
  explicit Impl(httpc::Options o) : http(std::move(o)) {}
};

namespace {

httpc::Options HttpOptions(const ClusterConfig& c) {
  httpc::Options o;
  o.ca_pem = c.ca_pem;
  o.client_cert_pem = c.client_cert_pem;
  o.client_key_pem = c.client_key_pem;
  o.server_name = c.tls_server_name;
  o.insecure_skip_verify = c.insecure_skip_verify;
  o.timeout_ms = 30000;
  return o;
}

// The API's own explanation (a Status object's message), else the status.
Status ApiError(const std::string& what, const httpc::Response& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string msg =
      j.is_object() && j.contains("message") && j["message"].is_string()
          ? j["message"].get<std::string>()
          : "HTTP " + std::to_string(r.status);
  std::string text = what + ": " + msg;
  if (r.status == 404) return NotFound(text);
  if (r.status == 401 || r.status == 403) return PermissionDenied(text);
  if (r.status >= 500 || r.status == 429) return Unavailable(text);
  return InvalidArgument(text);
}

bool ValidName(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '.'))
      return false;
  }
  return true;
}

Status CheckNames(const std::string& ns, const std::string& name) {
  if (!ValidName(ns) || !ValidName(name))
    return InvalidArgument("Kubernetes object " + Quote(ns) + "/" +
                           Quote(name) + ": not a valid namespace/name");
  return Status::Ok();
}

}  // namespace

Client::Client(ClusterConfig config)
    : config_(std::move(config)),
      impl_(std::make_unique<Impl>(HttpOptions(config_))) {}

Client::~Client() = default;

namespace {

httpc::Request MakeRequest(const ClusterConfig& c, std::string method,
                           const std::string& path) {
  httpc::Request r;
  r.method = std::move(method);
  r.url = c.server + path;
  r.headers.push_back({"Accept", "application/json"});
  if (!c.token.empty())
    r.headers.push_back({"Authorization", "Bearer " + c.token});
  return r;
}

}  // namespace

Result<nlohmann::json> Client::GetObject(const std::string& api_path) {
  VK_ASSIGN_OR_RETURN(httpc::Response r,
                      impl_->http.Do(MakeRequest(config_, "GET", api_path)));
  if (r.status != 200) return ApiError("GET " + api_path, r);
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object())
    return Corruption("GET " + api_path + ": the answer is not a JSON object");
  return j;
}

Result<nlohmann::json> Client::GetAppBinding(const std::string& ns,
                                             const std::string& name) {
  VK_RETURN_IF_ERROR(CheckNames(ns, name));
  return GetObject("/apis/appcatalog.appscode.com/v1alpha1/namespaces/" + ns +
                   "/appbindings/" + name);
}

Result<nlohmann::json> Client::GetVaultServer(const std::string& ns,
                                              const std::string& name) {
  VK_RETURN_IF_ERROR(CheckNames(ns, name));
  return GetObject("/apis/kubevault.com/v1alpha2/namespaces/" + ns +
                   "/vaultservers/" + name);
}

Result<std::map<std::string, std::string>> Client::GetSecretData(
    const std::string& ns, const std::string& name) {
  VK_RETURN_IF_ERROR(CheckNames(ns, name));
  VK_ASSIGN_OR_RETURN(nlohmann::json j, GetObject("/api/v1/namespaces/" + ns +
                                                  "/secrets/" + name));
  std::map<std::string, std::string> out;
  if (!j.contains("data") || j["data"].is_null()) return out;
  if (!j["data"].is_object())
    return Corruption("Secret " + ns + "/" + name + ": data is not an object");
  for (const auto& [k, v] : j["data"].items()) {
    if (!v.is_string())
      return Corruption("Secret " + ns + "/" + name + ": data key " + Quote(k) +
                        " is not a string");
    Result<std::string> decoded = Base64Decode(v.get<std::string>());
    if (!decoded.ok())
      return Corruption("Secret " + ns + "/" + name + ": data key " + Quote(k) +
                        " is not base64");
    out[k] = std::move(*decoded);
  }
  return out;
}

Status Client::PatchSecretData(const std::string& ns, const std::string& name,
                               const std::map<std::string, std::string>& data) {
  VK_RETURN_IF_ERROR(CheckNames(ns, name));
  nlohmann::json encoded = nlohmann::json::object();
  for (const auto& [k, v] : data) encoded[k] = Base64Encode(v);
  std::string path = "/api/v1/namespaces/" + ns + "/secrets/" + name;
  for (int round = 0; round < 2; ++round) {
    httpc::Request patch = MakeRequest(config_, "PATCH", path);
    patch.headers.push_back({"Content-Type", "application/merge-patch+json"});
    patch.body = nlohmann::json({{"data", encoded}}).dump();
    VK_ASSIGN_OR_RETURN(httpc::Response r, impl_->http.Do(patch));
    if (r.status == 200) return Status::Ok();
    if (r.status != 404) return ApiError("PATCH Secret " + ns + "/" + name, r);
    // Absent: create it.
    httpc::Request create =
        MakeRequest(config_, "POST", "/api/v1/namespaces/" + ns + "/secrets");
    create.headers.push_back({"Content-Type", "application/json"});
    create.body =
        nlohmann::json({{"apiVersion", "v1"},
                        {"kind", "Secret"},
                        {"metadata", {{"name", name}, {"namespace", ns}}},
                        {"type", "Opaque"},
                        {"data", encoded}})
            .dump();
    VK_ASSIGN_OR_RETURN(httpc::Response c, impl_->http.Do(create));
    if (c.status == 201 || c.status == 200) return Status::Ok();
    if (c.status != 409) return ApiError("create Secret " + ns + "/" + name, c);
    // Created by someone else in between: patch it.
  }
  return Aborted("Secret " + ns + "/" + name +
                 " kept appearing and disappearing while being written");
}

}  // namespace vk::k8s
