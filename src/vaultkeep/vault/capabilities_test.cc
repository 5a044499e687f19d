// RequireCapability against scripted Vault nodes
// (vaultkeep/testing/fake_vault.h).
#include "vaultkeep/vault/capabilities.h"

#include <gtest/gtest.h>

#include "vaultkeep/testing/fake_vault.h"

namespace vk::vault {
namespace {

using testing::FakeVault;

constexpr char kPath[] = "sys/storage/raft/snapshot";

ClientOptions Fast() {
  ClientOptions o;
  o.retry = {.attempts = 1};
  return o;
}

void Caps(FakeVault& v, const std::string& list) {
  v.Json("sys/capabilities-self", 200,
         R"({"capabilities":)" + list + R"(,"sys/storage/raft/snapshot":)" +
             list + R"(,"data":{"capabilities":)" + list + "}}");
}

TEST(RequireCapability, GrantedOrRoot) {
  for (const char* list : {R"(["read","list"])", R"(["root"])"}) {
    FakeVault v;
    Caps(v, list);
    Client client(Fast(), "hvs.token-0123456789");
    EXPECT_TRUE(RequireCapability(client, v.addr(), kPath, "read").ok())
        << list;
    auto seen = v.seen("sys/capabilities-self");
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.token, "hvs.token-0123456789");
    EXPECT_NE(seen.body.find(kPath), std::string::npos);
  }
}

TEST(RequireCapability, MissingGrantNamesPathAndCapabilities) {
  FakeVault v;
  Caps(v, R"(["deny"])");
  Client client(Fast(), "hvs.token-0123456789");
  Status s = RequireCapability(client, v.addr(), kPath, "update");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("may not update sys/storage/raft/snapshot"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("deny"), std::string::npos);
}

// Issue 14 item 10: a wrong token was found only when the upload or the
// snapshot came back 403.
TEST(RequireCapability, InvalidTokenIsRefusedUpFront) {
  FakeVault v;
  v.Json("sys/capabilities-self", 403, R"({"errors":["permission denied"]})");
  v.Json("auth/token/lookup-self", 403, R"({"errors":["permission denied"]})");
  Client client(Fast(), "hvs.wrong-0123456789");
  Status s = RequireCapability(client, v.addr(), kPath, "read");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("refused the token"), std::string::npos);
  EXPECT_EQ(s.message().find("hvs.wrong"), std::string::npos);
}

TEST(RequireCapability, ValidTokenWithoutDefaultPolicyIsNotBlocked) {
  FakeVault v;
  v.Json("sys/capabilities-self", 403, R"({"errors":["permission denied"]})");
  v.Json("auth/token/lookup-self", 200, R"({"data":{"policies":["x"]}})");
  Client client(Fast(), "hvs.token-0123456789");
  EXPECT_TRUE(RequireCapability(client, v.addr(), kPath, "read").ok());
}

}  // namespace
}  // namespace vk::vault
