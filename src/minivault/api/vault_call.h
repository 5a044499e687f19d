// One JSON call to a Vault (or minivault) API address, and the one line an
// error answer is reported with. Used where minivault is a client of
// another node: joining a cluster, and `minivault dev-cluster`.
#ifndef MINIVAULT_API_VAULT_CALL_H_
#define MINIVAULT_API_VAULT_CALL_H_

#include <nlohmann/json.hpp>
#include <string>

#include "kit/base/result.h"
#include "kit/httpc/client.h"

namespace vk::minivault {

// `method` on `api_addr` + "/v1/" + `path`, with `body` (if any) as JSON.
Result<httpc::Response> CallVault(httpc::Client& client,
                                  const std::string& api_addr,
                                  const std::string& method,
                                  const std::string& path,
                                  const nlohmann::json* body = nullptr);

// "HTTP <status>: <first of Vault's errors>", or "HTTP <status>". Never the
// whole body: an init or unseal answer holds keys.
std::string VaultErrorText(const httpc::Response& r);

}  // namespace vk::minivault

#endif  // MINIVAULT_API_VAULT_CALL_H_
