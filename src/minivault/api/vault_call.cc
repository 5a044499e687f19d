#include "minivault/api/vault_call.h"

#include "minivault/logical/json_limits.h"

namespace vk::minivault {

Result<httpc::Response> CallVault(httpc::Client& client,
                                  const std::string& api_addr,
                                  const std::string& method,
                                  const std::string& path,
                                  const nlohmann::json* body) {
  httpc::Request r;
  r.method = method;
  r.url = api_addr + "/v1/" + path;
  if (body != nullptr) {
    r.body = body->dump();
    r.headers.emplace_back("Content-Type", "application/json");
  }
  return client.Do(r);
}

std::string VaultErrorText(const httpc::Response& r) {
  auto j = logical::ParseJsonOrDiscarded(r.body, logical::kRequestJsonLimits);
  std::string text = "HTTP " + std::to_string(r.status);
  if (j.is_object() && j["errors"].is_array() && !j["errors"].empty() &&
      j["errors"][0].is_string())
    text += ": " + j["errors"][0].get<std::string>();
  return text;
}

}  // namespace vk::minivault
