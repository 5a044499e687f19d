// UnsealFromBackup (unseal.h).
#include "kit/base/strings.h"
#include "vaultkeep/ops/escrowed_keys.h"
#include "vaultkeep/ops/unseal.h"

namespace vk::ops {

Result<UnsealReport> UnsealFromBackup(vault::Client& client,
                                      repo::Repository& repo,
                                      const backup::SnapshotEntry& snapshot,
                                      const std::vector<std::string>& addrs,
                                      const UnsealAllOptions& options) {
  if (addrs.empty()) return InvalidArgument("no Vault address given");
  std::vector<std::string> nodes;
  for (const std::string& a : addrs) {
    VK_ASSIGN_OR_RETURN(std::string n, vault::NormalizeAddr(a));
    nodes.push_back(std::move(n));
  }
  VK_ASSIGN_OR_RETURN(backup::VaultBackup b,
                      backup::OpenVaultBackup(repo, snapshot));
  VK_ASSIGN_OR_RETURN(EscrowedKeys keys, LoadEscrowedKeys(repo, b));
  if (keys.unseal_keys.empty()) {
    return FailedPrecondition("snapshot " + snapshot.id.substr(0, 8) +
                              " holds no unseal keys");
  }
  UnsealReport report;
  VK_ASSIGN_OR_RETURN(report.key_check, CheckBackupKeys(repo, b, keys));
  if (!report.key_check.usable()) {
    Wipe(keys.unseal_keys);
    return Corruption("the escrowed unseal keys of snapshot " +
                      snapshot.id.substr(0, 8) +
                      " cannot unseal it: " + report.key_check.Summary());
  }
  std::vector<NamedShare> order = UnsealOrder(keys, report.key_check);
  Wipe(keys.unseal_keys);
  UnsealAllOptions o = options;
  o.on_unsealed = [&](const std::string& addr) {
    report.unsealed.push_back(addr);
    if (options.on_unsealed) options.on_unsealed(addr);
  };
  Status st = UnsealAll(client, nodes, order, o, &report.notes);
  for (NamedShare& k : order) Wipe(k.value);
  VK_RETURN_IF_ERROR(st);
  return report;
}

}  // namespace vk::ops
