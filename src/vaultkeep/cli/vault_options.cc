#include "vaultkeep/cli/vault_options.h"

#include "kit/base/strings.h"

namespace vk::cli {

void AddVaultFlags(CLI::App* cmd, VaultFlags* f) {
  cmd->add_option("--vault-addr", f->addrs,
                  "A Vault node's API address (repeatable, one per node; "
                  "default $VAULT_ADDR or the AppBinding's)");
  cmd->add_option("--token-file", f->token_file,
                  "File holding the Vault token (default $VAULT_TOKEN or the "
                  "AppBinding's backupTokenSecretRef)");
  cmd->add_option("--ca-cert", f->ca_cert,
                  "PEM CA file for the Vault TLS certificate ($VAULT_CACERT)");
  cmd->add_option("--client-cert", f->client_cert,
                  "PEM client certificate ($VAULT_CLIENT_CERT)");
  cmd->add_option("--client-key", f->client_key,
                  "PEM client key ($VAULT_CLIENT_KEY)");
  cmd->add_option("--tls-server-name", f->tls_server_name,
                  "Name to verify the server certificate against "
                  "($VAULT_TLS_SERVER_NAME)");
  cmd->add_flag("--tls-skip-verify", f->tls_skip_verify,
                "Do not verify the server certificate ($VAULT_SKIP_VERIFY)");
  cmd->add_option("--appbinding", f->appbinding,
                  "KubeVault AppBinding NAMESPACE/NAME, read from the "
                  "Kubernetes API");
  cmd->add_option("--appbinding-file", f->appbinding_file,
                  "KubeVault AppBinding as a YAML or JSON file");
  cmd->add_option("--vaultserver", f->vaultserver,
                  "KubeVault VaultServer NAMESPACE/NAME (its unsealer wins "
                  "over the AppBinding's copy)");
  cmd->add_option("--vaultserver-file", f->vaultserver_file,
                  "KubeVault VaultServer as a YAML or JSON file");
  cmd->add_option("--kubeconfig", f->kubeconfig,
                  "kubeconfig file (default $KUBECONFIG, in-cluster, "
                  "~/.kube/config)");
  cmd->add_option("--context", f->context, "kubeconfig context");
  cmd->add_option("--key-dir", f->key_dir,
                  "Unsealer key store: a directory of key files");
  cmd->add_option("--key-secret", f->key_secret,
                  "Unsealer key store: a Kubernetes Secret NAMESPACE/NAME");
  cmd->add_option("--key-prefix", f->key_prefix,
                  "Key name prefix (<prefix>-unseal-key-<i>, "
                  "<prefix>-root-token); default from the AppBinding")
      ->each([f](const std::string&) { f->key_prefix_set = true; });
  cmd->add_option("--wait", f->wait_s,
                  "Seconds to wait for an active, unsealed node")
      ->capture_default_str();
  cmd->add_option("--stall-timeout", f->stall_timeout_s,
                  "Abort a transfer after this many seconds without data")
      ->capture_default_str();
}

}  // namespace vk::cli
