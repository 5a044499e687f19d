// The Kubernetes client against a real HTTP server that answers as the API
// server does (no Kubernetes cluster can run here).
#include "kit/k8s/client.h"

#include <gtest/gtest.h>

#include <mutex>

#include "kit/base/strings.h"
#include "kit/httpd/server.h"

namespace vk::k8s {
namespace {

constexpr char kToken[] = "sa-token-0123456789";

class FakeApi {
 public:
  FakeApi() {
    auto s = httpd::Server::Start(
        {},
        [this](httpd::Request& r, httpd::ResponseWriter& w) { Serve(r, w); });
    EXPECT_TRUE(s.ok());
    server_ = std::move(*s);
  }
  ~FakeApi() { server_->Stop(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port());
  }
  ClusterConfig Config() const {
    ClusterConfig c;
    c.server = url();
    c.token = kToken;
    c.ns = "demo";
    return c;
  }

  std::mutex mu;
  std::map<std::string, nlohmann::json> objects;  // by path
  std::vector<std::string> log;                   // "METHOD path ctype"
  std::string last_body;
  bool forbid = false;

 private:
  void Serve(httpd::Request& r, httpd::ResponseWriter& w) {
    std::string body = *ReadAllBounded(r.body(), 1 << 20);
    std::lock_guard l(mu);
    log.push_back(r.method + " " + r.path + " " +
                  r.Header("Content-Type").value_or(""));
    last_body = body;
    auto status = [&](int code, std::string reason, std::string msg) {
      w.Send(code, nlohmann::json({{"kind", "Status"},
                                   {"status", "Failure"},
                                   {"message", msg},
                                   {"reason", reason},
                                   {"code", code}})
                       .dump());
    };
    if (r.Header("Authorization").value_or("") !=
        std::string("Bearer ") + kToken)
      return status(401, "Unauthorized", "Unauthorized");
    if (forbid)
      return status(403, "Forbidden",
                    "secrets \"vault-keys\" is forbidden: User "
                    "\"system:serviceaccount:demo:vk\" cannot get resource "
                    "\"secrets\"");
    if (r.method == "GET") {
      auto it = objects.find(r.path);
      if (it == objects.end()) return status(404, "NotFound", "not found");
      return w.Send(200, it->second.dump());
    }
    if (r.method == "PATCH") {
      auto it = objects.find(r.path);
      if (it == objects.end()) return status(404, "NotFound", "not found");
      auto patch = nlohmann::json::parse(body);
      for (auto& [k, v] : patch["data"].items()) it->second["data"][k] = v;
      return w.Send(200, it->second.dump());
    }
    if (r.method == "POST") {
      auto obj = nlohmann::json::parse(body);
      objects[r.path + "/" + obj["metadata"]["name"].get<std::string>()] = obj;
      return w.Send(201, obj.dump());
    }
    status(405, "MethodNotAllowed", "no");
  }
  std::unique_ptr<httpd::Server> server_;
};

TEST(K8sClient, ReadsSecretsAndObjects) {
  FakeApi api;
  api.objects["/api/v1/namespaces/demo/secrets/vault-keys"] = {
      {"kind", "Secret"},
      {"data",
       {{"p-unseal-key-0", Base64Encode("key0")},
        {"p-root-token", Base64Encode("hvs.root")}}}};
  api.objects
      ["/apis/appcatalog.appscode.com/v1alpha1/namespaces/demo/"
       "appbindings/vault"] = {{"kind", "AppBinding"}};
  Client c(api.Config());
  auto data = c.GetSecretData("demo", "vault-keys");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->at("p-unseal-key-0"), "key0");
  EXPECT_EQ(data->at("p-root-token"), "hvs.root");
  auto ab = c.GetAppBinding("demo", "vault");
  ASSERT_TRUE(ab.ok());
  EXPECT_EQ((*ab)["kind"], "AppBinding");
  auto vs = c.GetVaultServer("demo", "vault");
  ASSERT_FALSE(vs.ok());
  EXPECT_EQ(vs.status().code(), StatusCode::kNotFound);
}

TEST(K8sClient, PatchMergesAndCreatesWhenAbsent) {
  FakeApi api;
  api.objects["/api/v1/namespaces/demo/secrets/keys"] = {
      {"kind", "Secret"}, {"data", {{"keep", Base64Encode("x")}}}};
  Client c(api.Config());
  ASSERT_TRUE(c.PatchSecretData("demo", "keys", {{"new", "v1"}}).ok());
  {
    std::lock_guard l(api.mu);
    EXPECT_EQ(api.log.back(),
              "PATCH /api/v1/namespaces/demo/secrets/keys "
              "application/merge-patch+json");
    EXPECT_EQ(nlohmann::json::parse(api.last_body),
              nlohmann::json({{"data", {{"new", Base64Encode("v1")}}}}));
  }
  auto data = c.GetSecretData("demo", "keys");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->at("keep"), "x");
  EXPECT_EQ(data->at("new"), "v1");

  ASSERT_TRUE(c.PatchSecretData("demo", "fresh", {{"k", "v"}}).ok());
  {
    std::lock_guard l(api.mu);
    ASSERT_GE(api.log.size(), 2u);
    EXPECT_EQ(api.log.back(),
              "POST /api/v1/namespaces/demo/secrets application/json");
    auto created = nlohmann::json::parse(api.last_body);
    EXPECT_EQ(created["type"], "Opaque");
    EXPECT_EQ(created["metadata"]["name"], "fresh");
  }
  EXPECT_EQ(c.GetSecretData("demo", "fresh")->at("k"), "v");
}

TEST(K8sClient, ForbiddenCarriesTheApiMessageNotTheToken) {
  FakeApi api;
  api.forbid = true;
  Client c(api.Config());
  auto data = c.GetSecretData("demo", "vault-keys");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(data.status().message().find("cannot get resource"),
            std::string::npos);
  EXPECT_EQ(data.status().message().find(kToken), std::string::npos);
}

TEST(K8sClient, WrongTokenIsPermissionDenied) {
  FakeApi api;
  ClusterConfig cfg = api.Config();
  cfg.token = "wrong-token-value";
  Client c(cfg);
  auto data = c.GetSecretData("demo", "x");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(data.status().message().find("wrong-token-value"),
            std::string::npos);
}

TEST(K8sClient, BadNamesNeverReachTheServer) {
  FakeApi api;
  Client c(api.Config());
  auto r = c.GetSecretData("demo", "../../apis/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  std::lock_guard l(api.mu);
  EXPECT_TRUE(api.log.empty());
}

TEST(K8sClient, UnreachableIsUnavailable) {
  ClusterConfig cfg;
  cfg.server = "http://127.0.0.1:1";
  Client c(cfg);
  auto r = c.GetSecretData("demo", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace vk::k8s
