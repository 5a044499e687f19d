// The flags of the commands that talk to a live Vault cluster (backup,
// restore, unseal). What they mean and their precedence over the
// environment and KubeVault's objects: vaultkeep/access/vault_access.h.
#ifndef VAULTKEEP_CLI_VAULT_OPTIONS_H_
#define VAULTKEEP_CLI_VAULT_OPTIONS_H_

#include <CLI/CLI.hpp>

#include "vaultkeep/access/vault_access.h"

namespace vk::cli {

// The flags fill access::VaultSettings; access::ResolveVault does the rest.
using VaultFlags = access::VaultSettings;
using access::kMaxSeconds;
using access::Purpose;
using access::ResolveVault;
using access::Seconds;
using access::VaultSetup;

void AddVaultFlags(CLI::App* cmd, VaultFlags* f);

}  // namespace vk::cli

#endif  // VAULTKEEP_CLI_VAULT_OPTIONS_H_
