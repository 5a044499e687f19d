// Finding the active node of a Vault cluster, the way a backup must: ask
// sys/leader, then talk to the address the leader advertises and confirm
// that node calls itself the leader (is_self). Never trust a load-balanced
// address to land on the leader twice in a row.
#ifndef VAULTKEEP_VAULT_LEADER_H_
#define VAULTKEEP_VAULT_LEADER_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/vault/client.h"

namespace vk::vault {

struct ActiveNode {
  std::string addr;  // API address that answered is_self
  LeaderInfo leader;
  Health health;
};

// The detail of FindActive's kUnavailable when it gave up: whether any
// node answered, and whether every node that answered was sealed (so that
// a caller can tell "sealed" from "unreachable" without reading the text).
struct NoActiveNode : StatusDetail {
  NoActiveNode(bool a, bool s) : answered(a), all_sealed(s) {}
  bool answered;
  bool all_sealed;
};

struct FindOptions {
  // How long to wait for a cluster that is reachable but not ready
  // (sealed, uninitialized, electing). 0: one round, no waiting.
  std::chrono::milliseconds wait{std::chrono::seconds(120)};
  std::chrono::milliseconds poll{500};
  // Called with a one-line reason each time a round fails and we wait
  // (for the CLI's progress output); may be null.
  std::function<void(const std::string&)> on_wait;
};

// Tries `addrs` in order: sys/leader on each reachable one; the advertised
// leader_address (or the node itself when is_self) is then asked for
// sys/leader and sys/health and must say is_self, initialized, unsealed and
// not standby. Returns the first node that does.
//
// Unreachable, sealed and electing nodes are waited for (up to `wait`);
// states that waiting cannot change end the search at once: a 404 on
// sys/leader (not a Vault API), a TLS failure, an uninitialised node, an
// unusable advertised address. Errors, each naming every address and what
// it said:
//  - kUnavailable with NoActiveNode when no node became active within
//    `wait` ("no Vault address answered" when none answered at all; sealed
//    nodes are named as sealed, with their unseal progress);
//  - the final state's own code (kNotFound for a non-Vault server,
//    kFailedPrecondition for an uninitialised one or a TLS failure) when
//    every address is in such a state.
Result<ActiveNode> FindActive(Client& client,
                              const std::vector<std::string>& addrs,
                              const FindOptions& options);

}  // namespace vk::vault

#endif  // VAULTKEEP_VAULT_LEADER_H_
