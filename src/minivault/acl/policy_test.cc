#include "minivault/acl/policy.h"

#include <gtest/gtest.h>

#include <string>

namespace vk::acl {
namespace {

Policy MustParse(std::string_view name, std::string_view text) {
  Result<Policy> r = ParsePolicy(name, text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Policy();
}

std::string ErrorOf(std::string_view text) {
  Result<Policy> r = ParsePolicy("p", text);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

const PathRule* Find(const Policy& p, std::string_view pattern, bool prefix) {
  for (const PathRule& r : p.rules) {
    if (r.pattern == pattern && r.prefix == prefix) return &r;
  }
  return nullptr;
}

TEST(PolicyTest, ParsesHclRules) {
  const std::string text = R"(
path "sys/storage/raft/snapshot" { capabilities = ["read"] }
path "secret/*" { capabilities = ["create", "read", "update", "delete", "list", "patch", "sudo"] }
path "secret/+/teamb" { capabilities = ["list"] }
path "kv/+/x*" { capabilities = ["update"] }
)";
  Policy p = MustParse("Backup-Policy", text);
  EXPECT_EQ(p.name, "backup-policy");
  EXPECT_EQ(p.raw, text);
  ASSERT_EQ(p.rules.size(), 4u);

  const PathRule* snap = Find(p, "sys/storage/raft/snapshot", false);
  ASSERT_NE(snap, nullptr);
  EXPECT_EQ(snap->capabilities, uint32_t{kRead});
  EXPECT_FALSE(snap->has_segment_wildcard);

  const PathRule* secret = Find(p, "secret/", true);
  ASSERT_NE(secret, nullptr);
  EXPECT_EQ(secret->capabilities, kAllCapabilities);

  const PathRule* team = Find(p, "secret/+/teamb", false);
  ASSERT_NE(team, nullptr);
  EXPECT_TRUE(team->has_segment_wildcard);
  EXPECT_EQ(team->capabilities, uint32_t{kList});

  const PathRule* kv = Find(p, "kv/+/x", true);
  ASSERT_NE(kv, nullptr);
  EXPECT_TRUE(kv->has_segment_wildcard);
}

TEST(PolicyTest, PlusInsideASegmentIsLiteral) {
  Policy p = MustParse("p", R"(path "a/b+c/+d" { capabilities = ["read"] })");
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_FALSE(p.rules[0].has_segment_wildcard);
  EXPECT_TRUE(MustParse("p", R"(path "+" { capabilities = [] })")
                  .rules[0]
                  .has_segment_wildcard);
}

TEST(PolicyTest, JsonFormMatchesHcl) {
  Policy hcl = MustParse("p", R"(
path "secret/*" { capabilities = ["read", "list"] }
path "sys/x" { capabilities = ["deny"] }
)");
  Policy json = MustParse("p", R"(
  {"path": {"secret/*": {"capabilities": ["read", "list"]},
            "sys/x": {"capabilities": ["deny"]}}})");
  ASSERT_EQ(json.rules.size(), 2u);
  const PathRule* a = Find(json, "secret/", true);
  const PathRule* b = Find(hcl, "secret/", true);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->capabilities, uint32_t{kRead | kList});
  EXPECT_EQ(a->capabilities, b->capabilities);
  const PathRule* d = Find(json, "sys/x", false);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->capabilities, uint32_t{kDeny});
}

TEST(PolicyTest, JsonListForms) {
  Policy p = MustParse("p", R"({"path": [
      {"a": {"capabilities": ["read"]}},
      {"a": [{"capabilities": ["list"]}, {"capabilities": ["update"]}]}]})");
  ASSERT_EQ(p.rules.size(), 3u);
  EXPECT_EQ(p.rules[0].capabilities, uint32_t{kRead});
  EXPECT_EQ(p.rules[1].capabilities, uint32_t{kList});
  EXPECT_EQ(p.rules[2].capabilities, uint32_t{kUpdate});
}

TEST(PolicyTest, RepeatedHclBlocksBecomeSeparateRules) {
  Policy p = MustParse("p", R"(
path "a" { capabilities = ["read"] }
path "a" { capabilities = ["list"] }
)");
  ASSERT_EQ(p.rules.size(), 2u);
  EXPECT_EQ(p.rules[0].capabilities | p.rules[1].capabilities,
            uint32_t{kRead | kList});
}

TEST(PolicyTest, DenyMakesRuleDenyOnly) {
  Policy p =
      MustParse("p", R"(path "a" { capabilities = ["read", "deny", "list"] })");
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_EQ(p.rules[0].capabilities, uint32_t{kDeny});
}

TEST(PolicyTest, DeprecatedPolicyKeyword) {
  auto caps = [](std::string_view word) {
    Policy p =
        MustParse("p", "path \"a\" { policy = \"" + std::string(word) + "\" }");
    return p.rules.empty() ? 0u : p.rules[0].capabilities;
  };
  EXPECT_EQ(caps("read"), uint32_t{kRead | kList});
  EXPECT_EQ(caps("write"),
            uint32_t{kCreate | kRead | kUpdate | kDelete | kList});
  EXPECT_EQ(caps("deny"), uint32_t{kDeny});
  EXPECT_EQ(caps("sudo"),
            uint32_t{kCreate | kRead | kUpdate | kDelete | kList | kSudo});
  Policy both = MustParse(
      "p", R"(path "a" { policy = "read"  capabilities = ["patch"] })");
  EXPECT_EQ(both.rules[0].capabilities, uint32_t{kRead | kList | kPatch});
  EXPECT_EQ(
      ErrorOf(R"(path "a" { policy = "admin" })"),
      "failed to parse policy \"p\": path \"a\": invalid policy \"admin\"");
}

TEST(PolicyTest, OptionalKeysAreAcceptedAndIgnored) {
  Policy p = MustParse("p", R"(
name = "ignored"
path "secret/data/*" {
  capabilities = ["create"]
  allowed_parameters = { "foo" = [], "*" = ["a", "b"] }
  denied_parameters = { "bar" = [] }
  required_parameters = ["foo"]
  min_wrapping_ttl = "1s"
  max_wrapping_ttl = 90
}
)");
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_EQ(p.rules[0].capabilities, uint32_t{kCreate});
}

TEST(PolicyTest, Errors) {
  EXPECT_EQ(ErrorOf(R"(path "secret/*" { capabilities = ["raed"] })"),
            "failed to parse policy \"p\": path \"secret/*\": invalid "
            "capability \"raed\"");
  EXPECT_EQ(ErrorOf(R"(path "secret/*/foo" { capabilities = ["read"] })"),
            "failed to parse policy \"p\": path \"secret/*/foo\": '*' is only "
            "allowed as the last character");
  EXPECT_EQ(ErrorOf(R"(path "secret/**" { capabilities = ["read"] })"),
            "failed to parse policy \"p\": path \"secret/**\": '*' is only "
            "allowed as the last character");
  EXPECT_EQ(ErrorOf(R"(path "secret/+*" { capabilities = ["read"] })"),
            "failed to parse policy \"p\": path \"secret/+*\": invalid use of "
            "wildcards ('+*' is forbidden)");
  EXPECT_EQ(ErrorOf(R"(path "a" { capabilities = ["read"] colour = "red" })"),
            "failed to parse policy \"p\": path \"a\": invalid key \"colour\"");
  EXPECT_EQ(ErrorOf(R"(paths "a" { capabilities = ["read"] })"),
            "failed to parse policy \"p\": invalid key \"paths\"");
  EXPECT_EQ(ErrorOf(R"(path "a" { capabilities = [1] })"),
            "failed to parse policy \"p\": path \"a\": capabilities must be a "
            "list of strings");
  EXPECT_EQ(ErrorOf(R"(path "a" = 1)"),
            "failed to parse policy \"p\": hcl: 1:10: expected '{' after the "
            "labels of block \"path\", found '='");
  EXPECT_EQ(ErrorOf(R"(path = "a")"),
            "failed to parse policy \"p\": policy \"path\" must map patterns "
            "to blocks");
  EXPECT_EQ(ErrorOf(R"({"path": )"), "policy \"p\" is not a valid JSON object");
  EXPECT_EQ(ErrorOf(R"({"path": {"a": {"capabilities": ["nope"]}}})"),
            "failed to parse policy \"p\": path \"a\": invalid capability "
            "\"nope\"");
  EXPECT_EQ(
      ErrorOf("{\"a\":" + std::string(40, '[') + std::string(40, ']') + "}"),
      "policy JSON is nested deeper than 32 levels");
}

TEST(PolicyTest, Names) {
  Result<Policy> empty = ParsePolicy("", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "policy name must not be empty");
  EXPECT_EQ(MustParse("OPS", "").name, "ops");
  EXPECT_TRUE(MustParse("ops", "").rules.empty());
}

TEST(PolicyTest, DefaultPolicy) {
  const Policy& d = DefaultPolicy();
  EXPECT_EQ(d.name, "default");
  EXPECT_EQ(d.raw, DefaultPolicyText());
  const PathRule* lookup = Find(d, "auth/token/lookup-self", false);
  ASSERT_NE(lookup, nullptr);
  EXPECT_EQ(lookup->capabilities, uint32_t{kRead});
  const PathRule* renew = Find(d, "auth/token/renew-self", false);
  ASSERT_NE(renew, nullptr);
  EXPECT_EQ(renew->capabilities, uint32_t{kUpdate});
  const PathRule* cubby = Find(d, "cubbyhole/", true);
  ASSERT_NE(cubby, nullptr);
  EXPECT_EQ(cubby->capabilities,
            uint32_t{kCreate | kRead | kUpdate | kDelete | kList});
  EXPECT_NE(Find(d, "sys/capabilities-self", false), nullptr);
  EXPECT_NE(Find(d, "sys/internal/ui/resultant-acl", false), nullptr);
  EXPECT_EQ(&d, &DefaultPolicy());
}

}  // namespace
}  // namespace vk::acl
