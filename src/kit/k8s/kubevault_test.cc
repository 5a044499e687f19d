#include "kit/k8s/kubevault.h"

#include <gtest/gtest.h>

namespace vk::k8s {
namespace {

// The AppBinding and VaultServer as KubeVault's backup/restore overview
// shows them (shape and values; a fact, not prose).
constexpr char kAppBinding[] = R"(apiVersion: appcatalog.appscode.com/v1alpha1
kind: AppBinding
metadata:
  name: vault
  namespace: demo
spec:
  appRef:
    apiGroup: kubevault.com
    kind: VaultServer
    name: vault
    namespace: demo
  clientConfig:
    service:
      name: vault
      port: 8200
      scheme: http
  parameters:
    apiVersion: config.kubevault.com/v1alpha1
    backend: raft
    backupTokenSecretRef:
      name: vault-backup-token
    kind: VaultServerConfiguration
    kubernetes:
      serviceAccountName: vault
      tokenReviewerServiceAccountName: vault-k8s-token-reviewer
      usePodServiceAccountForCSIDriver: true
    path: kubernetes
    stash:
      addon:
        backupTask:
          name: vault-backup-1.10.3
          params:
            - name: keyPrefix
              value: k8s.kubevault.com.demo.vault
        restoreTask:
          name: vault-restore-1.10.3
          params:
            - name: keyPrefix
              value: k8s.kubevault.com.demo.vault2
    unsealer:
      mode:
        kubernetesSecret:
          secretName: vault-keys
      secretShares: 5
      secretThreshold: 3
    vaultRole: vault-policy-controller
)";

constexpr char kVaultServer[] = R"(apiVersion: kubevault.com/v1alpha2
kind: VaultServer
metadata:
  name: vault
  namespace: demo
spec:
  version: 1.10.3
  replicas: 3
  allowedSecretEngines:
    namespaces:
      from: All
  backend:
    raft:
      storage:
        storageClassName: "standard"
        resources:
          requests:
            storage: 1Gi
  unsealer:
    secretShares: 7
    secretThreshold: 4
    mode:
      kubernetesSecret:
        secretName: vault-keys-2
  terminationPolicy: WipeOut
)";

VaultTarget MustTarget(const std::string& yaml) {
  auto obj = ParseObject(yaml, "AppBinding");
  EXPECT_TRUE(obj.ok()) << obj.status().ToString();
  auto t = TargetFromAppBinding(*obj);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : VaultTarget{};
}

TEST(KubeVault, ReadsTheOperatorsAppBinding) {
  VaultTarget t = MustTarget(kAppBinding);
  EXPECT_EQ(t.name, "vault");
  EXPECT_EQ(t.ns, "demo");
  ASSERT_EQ(t.addrs.size(), 1u);
  EXPECT_EQ(t.addrs[0], "http://vault.demo.svc:8200");
  EXPECT_EQ(t.backend, "raft");
  EXPECT_EQ(t.backup_token_secret, "vault-backup-token");
  EXPECT_EQ(t.backup_key_prefix, "k8s.kubevault.com.demo.vault");
  EXPECT_EQ(t.restore_key_prefix, "k8s.kubevault.com.demo.vault2");
  EXPECT_EQ(t.unsealer.mode, "kubernetesSecret");
  EXPECT_EQ(t.unsealer.secret_name, "vault-keys");
  EXPECT_EQ(t.unsealer.secret_shares, 5);
  EXPECT_EQ(t.unsealer.secret_threshold, 3);
}

TEST(KubeVault, VaultServerUnsealerWins) {
  VaultTarget t = MustTarget(kAppBinding);
  auto vs = ParseObject(kVaultServer, "VaultServer");
  ASSERT_TRUE(vs.ok());
  ASSERT_TRUE(ApplyVaultServer(*vs, &t).ok());
  EXPECT_EQ(t.unsealer.secret_shares, 7);
  EXPECT_EQ(t.unsealer.secret_threshold, 4);
  EXPECT_EQ(t.unsealer.secret_name, "vault-keys-2");
  EXPECT_EQ(t.replicas, 3);
  EXPECT_EQ(t.version, "1.10.3");
}

TEST(KubeVault, UrlAndCaBundle) {
  std::string yaml = kAppBinding;
  size_t at = yaml.find("    service:");
  size_t end = yaml.find("  parameters:");
  // "-----BEGIN CERTIFICATE-----\n" in base64.
  yaml.replace(at, end - at,
               "    url: https://10.0.0.7:8200\n"
               "    caBundle: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
               "    serverName: vault.demo.svc\n");
  VaultTarget t = MustTarget(yaml);
  ASSERT_EQ(t.addrs.size(), 1u);
  EXPECT_EQ(t.addrs[0], "https://10.0.0.7:8200");
  EXPECT_EQ(t.ca_bundle_pem, "-----BEGIN CERTIFICATE-----\n");
  EXPECT_EQ(t.tls_server_name, "vault.demo.svc");
}

TEST(KubeVault, MultiDocumentFilePicksTheKind) {
  std::string both = std::string(kVaultServer) + "---\n" + kAppBinding;
  auto ab = ParseObject(both, "AppBinding");
  ASSERT_TRUE(ab.ok());
  EXPECT_EQ((*ab)["kind"], "AppBinding");
  auto vs = ParseObject(both, "VaultServer");
  ASSERT_TRUE(vs.ok());
  EXPECT_EQ((*vs)["spec"]["replicas"], 3);  // an integer, not "3"
  auto none = ParseObject(both, "Secret");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no Secret"), std::string::npos);
}

TEST(KubeVault, JsonIsAcceptedToo) {
  auto j = ParseObject(R"({"kind":"AppBinding","metadata":{"name":"v",
    "namespace":"n"},"spec":{"clientConfig":{"url":"http://127.0.0.1:8200"},
    "parameters":{"backend":"raft"}}})",
                       "AppBinding");
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  auto t = TargetFromAppBinding(*j);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->addrs[0], "http://127.0.0.1:8200");
  EXPECT_EQ(t->unsealer.mode, "");  // no unsealer: no key store
  EXPECT_EQ(t->backup_key_prefix, "");
}

TEST(KubeVault, QuotedScalarsStayStrings) {
  auto j = ParseObject("kind: X\na: \"5\"\nb: 5\nc: 'true'\nd: true\n");
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE((*j)["a"].is_string());
  EXPECT_TRUE((*j)["b"].is_number_integer());
  EXPECT_TRUE((*j)["c"].is_string());
  EXPECT_TRUE((*j)["d"].is_boolean());
}

TEST(KubeVault, ErrorsNameTheField) {
  std::string no_backend = kAppBinding;
  no_backend.replace(no_backend.find("    backend: raft\n"), 18, "");
  auto t = TargetFromAppBinding(*ParseObject(no_backend, "AppBinding"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("parameters.backend"), std::string::npos);

  std::string postgres = kAppBinding;
  postgres.replace(postgres.find("backend: raft"), 13, "backend: postgres");
  t = TargetFromAppBinding(*ParseObject(postgres, "AppBinding"));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kFailedPrecondition);

  std::string shares = kAppBinding;
  shares.replace(shares.find("secretShares: 5"), 15, "secretShares: x");
  t = TargetFromAppBinding(*ParseObject(shares, "AppBinding"));
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("secretShares"), std::string::npos);
}

TEST(KubeVault, MismatchedVaultServerIsRefused) {
  VaultTarget t = MustTarget(kAppBinding);
  std::string other = kVaultServer;
  other.replace(other.find("name: vault\n"), 12, "name: other\n");
  Status st = ApplyVaultServer(*ParseObject(other, "VaultServer"), &t);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("does not belong"), std::string::npos);
}

TEST(KubeVault, SyntaxErrorHasALine) {
  auto j = ParseObject("kind: AppBinding\nspec:\n  a: [1, 2\n  b: 3\n");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(j.status().message().find("line "), std::string::npos);
}

}  // namespace
}  // namespace vk::k8s
