#include "kit/k8s/config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "kit/base/strings.h"
#include "kit/env/file.h"
#include "kit/testing/test_dir.h"

namespace vk::k8s {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    EXPECT_TRUE(WriteFileAtomic(path, text, 0600).ok());
    return path;
  }
  std::string dir_ = vk::testing::MakeTempDir();
};

TEST_F(ConfigTest, KubeconfigWithTokenAndCaData) {
  std::string kc = Write("config", R"(apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority-data: )" + Base64Encode("CA-PEM") +
                                       R"(
- name: other
  cluster:
    server: https://other:6443
users:
- name: admin
  user:
    token: abc.def
contexts:
- name: prod-ctx
  context:
    cluster: prod
    user: admin
    namespace: demo
- name: other-ctx
  context:
    cluster: other
    user: admin
current-context: prod-ctx
)");
  auto c = LoadKubeconfig(kc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->ca_pem, "CA-PEM");
  EXPECT_EQ(c->token, "abc.def");
  EXPECT_EQ(c->ns, "demo");

  auto o = LoadKubeconfig(kc, "other-ctx");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->server, "https://other:6443");
  EXPECT_EQ(o->ns, "default");

  auto missing = LoadKubeconfig(kc, "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos)
      << missing.status().message();
}

TEST_F(ConfigTest, ClientCertificateFilesRelativeToTheKubeconfig) {
  Write("client.crt", "CERT-PEM");
  Write("client.key", "KEY-PEM");
  Write("ca.crt", "CA");
  std::string kc = Write("kc", R"(clusters:
- name: c
  cluster:
    server: https://k:443
    certificate-authority: ca.crt
    tls-server-name: kubernetes.default
users:
- name: u
  user:
    client-certificate: client.crt
    client-key: client.key
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
)");
  auto c = LoadKubeconfig(kc);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->client_cert_pem, "CERT-PEM");
  EXPECT_EQ(c->client_key_pem, "KEY-PEM");
  EXPECT_EQ(c->ca_pem, "CA");
  EXPECT_EQ(c->tls_server_name, "kubernetes.default");
  EXPECT_TRUE(c->token.empty());
}

TEST_F(ConfigTest, ExecPluginsAreRefused) {
  std::string kc = Write("kc", R"(clusters:
- name: c
  cluster: {server: "https://k:443"}
users:
- name: u
  user:
    exec:
      command: aws
      args: [eks, get-token]
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
)");
  auto c = LoadKubeconfig(kc);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("exec"), std::string::npos);
}

TEST_F(ConfigTest, InCluster) {
  Write("token", "sa-token\n");
  Write("ca.crt", "SA-CA");
  Write("namespace", "vault-ns\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  auto c = InClusterConfig(dir_);
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  ::unsetenv("KUBERNETES_SERVICE_PORT");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->token, "sa-token");
  EXPECT_EQ(c->ca_pem, "SA-CA");
  EXPECT_EQ(c->ns, "vault-ns");

  auto outside = InClusterConfig(dir_);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vk::k8s
