// Checking a token before any data moves: a wrong or expired token used to
// be found only when the snapshot transfer or the restore upload came back
// 403, after the leader search, the key escrow and the repository lock.
#ifndef VAULTKEEP_VAULT_CAPABILITIES_H_
#define VAULTKEEP_VAULT_CAPABILITIES_H_

#include <string>

#include "kit/base/status.h"
#include "vaultkeep/vault/client.h"

namespace vk::vault {

// OK when the client's token has `capability` ("read", "update") on
// `path` at `addr` (an active node), or "root". Asks
// sys/capabilities-self; when that is refused, auth/token/lookup-self
// tells an invalid token (both refused: kPermissionDenied "Vault refused
// the token ...") from a valid one without the default policy (then the
// check is skipped: the call itself will tell). kPermissionDenied naming
// the path and the token's capabilities there when it lacks the grant.
enum class TokenVerdict {
  kAllowed,
  kNoGrant,  // a valid token without the capability
  kRefused,  // Vault does not know the token (invalid, expired, revoked)
};
Status RequireCapability(Client& client, const std::string& addr,
                         const std::string& path, const std::string& capability,
                         TokenVerdict* verdict = nullptr);

}  // namespace vk::vault

#endif  // VAULTKEEP_VAULT_CAPABILITIES_H_
