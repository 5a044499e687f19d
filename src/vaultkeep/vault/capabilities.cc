#include "vaultkeep/vault/capabilities.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kit/base/strings.h"

namespace vk::vault {

Status RequireCapability(Client& client, const std::string& addr,
                         const std::string& path, const std::string& capability,
                         TokenVerdict* verdict) {
  TokenVerdict unused;
  if (verdict == nullptr) verdict = &unused;
  *verdict = TokenVerdict::kAllowed;
  Result<std::vector<std::string>> caps = client.CapabilitiesSelf(addr, path);
  if (!caps.ok()) {
    if (caps.status().code() == StatusCode::kNotFound) {
      spdlog::info(
          "{} does not serve sys/capabilities-self; the token is "
          "not checked in advance",
          addr);
      return Status::Ok();
    }
    if (caps.status().code() != StatusCode::kPermissionDenied)
      return caps.status();
    Result<nlohmann::json> self = client.Read(addr, "auth/token/lookup-self");
    if (self.ok()) {
      spdlog::info(
          "the token may not ask sys/capabilities-self (no default "
          "policy?); its grant on {} is not checked in advance",
          path);
      return Status::Ok();
    }
    if (self.status().code() != StatusCode::kPermissionDenied)
      return self.status();
    *verdict = TokenVerdict::kRefused;
    return PermissionDenied(
        "Vault at " + addr +
        " refused the token (403 on sys/capabilities-self and "
        "auth/token/lookup-self): it is invalid, expired or revoked");
  }
  auto has = [&](const std::string& c) {
    return std::find(caps->begin(), caps->end(), c) != caps->end();
  };
  if (has("root") || has(capability)) return Status::Ok();
  std::string verb = capability == "read" ? "read" : capability;
  *verdict = TokenVerdict::kNoGrant;
  return PermissionDenied(
      "the token may not " + verb + " " + path + " (its capabilities there: " +
      (caps->empty() ? std::string("none") : Join(*caps, ", ")) +
      "); grant \"" + capability +
      "\" on it (deploy/vault-policies/ has vaultkeep's policies)");
}

}  // namespace vk::vault
