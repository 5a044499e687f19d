#include "minivault/acl/acl.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vk::acl {
namespace {

using Names = std::vector<std::string>;

Policy P(std::string_view name, std::string_view text) {
  Result<Policy> r = ParsePolicy(name, text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Policy();
}

Acl FromText(std::string_view text) { return Acl({P("p", text)}); }

TEST(AclTest, ExactThenGlobPrecedence) {
  Acl acl = FromText(R"(
path "secret/*" { capabilities = ["read"] }
path "secret/foo/*" { capabilities = ["list"] }
path "secret/+/bar" { capabilities = ["update"] }
path "secret/foo/bar" { capabilities = ["create"] }
)");
  EXPECT_EQ(acl.Capabilities("secret/foo/bar"), uint32_t{kCreate});  // exact
  // secret/+/bar and secret/* both have their first wildcard at 7; the
  // trailing '*' loses.
  EXPECT_EQ(acl.Capabilities("secret/zip/bar"), uint32_t{kUpdate});
  // secret/foo/* has its first wildcard later (11) than secret/+/bar (7).
  EXPECT_EQ(acl.Capabilities("secret/foo/baz"), uint32_t{kList});
  EXPECT_EQ(acl.Capabilities("secret/foo/a/b/c"), uint32_t{kList});
  EXPECT_EQ(acl.Capabilities("secret/zip"), uint32_t{kRead});
  EXPECT_EQ(acl.Capabilities("secret/zip/bar/x"), uint32_t{kRead});
  EXPECT_EQ(acl.Capabilities("secret"), 0u);
}

TEST(AclTest, LaterFirstWildcardWinsOverSegmentWildcard) {
  Acl acl = FromText(R"(
path "secret/foo/*" { capabilities = ["list"] }
path "secret/+/bar" { capabilities = ["update"] }
)");
  EXPECT_EQ(acl.Capabilities("secret/foo/bar"), uint32_t{kList});
}

TEST(AclTest, Rule1FirstWildcardEarlierLoses) {
  Acl acl = FromText(R"(
path "secret/+/+/c" { capabilities = ["read"] }
path "secret/a/+/c" { capabilities = ["list"] }
)");
  EXPECT_EQ(acl.Capabilities("secret/a/b/c"), uint32_t{kList});
  EXPECT_EQ(acl.Capabilities("secret/z/b/c"), uint32_t{kRead});
}

TEST(AclTest, Rule2TrailingStarLoses) {
  Acl acl = FromText(R"(
path "secret/+/bar*" { capabilities = ["read"] }
path "secret/+/bar" { capabilities = ["list"] }
)");
  EXPECT_EQ(acl.Capabilities("secret/x/bar"), uint32_t{kList});
  EXPECT_EQ(acl.Capabilities("secret/x/barn"), uint32_t{kRead});
  EXPECT_EQ(acl.Capabilities("secret/x/bar/y"), uint32_t{kRead});
}

TEST(AclTest, Rule3MorePlusSegmentsLose) {
  // The two-'+' pattern is longer, so rules 4 and 5 alone would pick it.
  Acl acl = FromText(R"(
path "secret/+/+/xyz*" { capabilities = ["read"] }
path "secret/+/b/x*" { capabilities = ["list"] }
)");
  EXPECT_EQ(acl.Capabilities("secret/q/b/xyz1"), uint32_t{kList});
  EXPECT_EQ(acl.Capabilities("secret/q/c/xyz1"), uint32_t{kRead});
}

TEST(AclTest, Rule4ShorterLoses) {
  Acl acl = FromText(R"(
path "secret/+/a*" { capabilities = ["read"] }
path "secret/+/ab*" { capabilities = ["list"] }
)");
  EXPECT_EQ(acl.Capabilities("secret/x/abc"), uint32_t{kList});
  EXPECT_EQ(acl.Capabilities("secret/x/ac"), uint32_t{kRead});
}

TEST(AclTest, Rule4LongestPrefixAmongPlainGlobs) {
  Acl acl = FromText(R"(
path "secret/*" { capabilities = ["read"] }
path "secret/zip-*" { capabilities = ["list"] }
)");
  EXPECT_EQ(acl.Capabilities("secret/zip-zap/zong"), uint32_t{kList});
  EXPECT_EQ(acl.Capabilities("secret/zip"), uint32_t{kRead});
}

TEST(AclTest, Rule5LexicographicallySmallerLoses) {
  Acl acl = FromText(R"(
path "secret/+/x/+" { capabilities = ["read"] }
path "secret/+/+/y" { capabilities = ["list"] }
)");
  // Same first wildcard, no '*', two '+' each, same length: "secret/+/+/y"
  // sorts first and so loses.
  EXPECT_EQ(acl.Capabilities("secret/a/x/y"), uint32_t{kRead});
  EXPECT_EQ(acl.Capabilities("secret/a/z/y"), uint32_t{kList});
}

TEST(AclTest, ExactBeatsPrefixOfSameText) {
  Acl acl = FromText(R"(
path "secret/foo" { capabilities = ["read"] }
path "secret/foo*" { capabilities = ["list"] }
)");
  EXPECT_EQ(acl.Capabilities("secret/foo"), uint32_t{kRead});
  EXPECT_EQ(acl.Capabilities("secret/foobar"), uint32_t{kList});
}

TEST(AclTest, PlusMatchesExactlyOneNonEmptySegment) {
  Acl acl = FromText(R"(path "secret/+/teamb" { capabilities = ["read"] })");
  EXPECT_TRUE(acl.Allows("secret/a/teamb", kRead));
  EXPECT_FALSE(acl.Allows("secret/teamb", kRead));
  EXPECT_FALSE(acl.Allows("secret/a/b/teamb", kRead));
  EXPECT_FALSE(acl.Allows("secret//teamb", kRead));
  EXPECT_FALSE(acl.Allows("secret/a/teamb/x", kRead));
  Acl lone = FromText(R"(path "+" { capabilities = ["read"] })");
  EXPECT_TRUE(lone.Allows("sys", kRead));
  EXPECT_FALSE(lone.Allows("sys/x", kRead));
}

TEST(AclTest, TrailingStarAfterPlusSegments) {
  Acl acl = FromText(R"(path "kv/+/data/*" { capabilities = ["read"] })");
  EXPECT_TRUE(acl.Allows("kv/team/data/a/b", kRead));
  EXPECT_TRUE(acl.Allows("kv/team/data/", kRead));
  EXPECT_FALSE(acl.Allows("kv/team/data", kRead));
  EXPECT_FALSE(acl.Allows("kv/team/meta/a", kRead));
}

TEST(AclTest, SamePatternInSeveralPoliciesIsUnion) {
  Acl acl({P("a", R"(path "secret/*" { capabilities = ["read"] })"),
           P("b", R"(path "secret/*" { capabilities = ["list"] })"),
           P("c", R"(path "secret/x" { capabilities = ["update"] })"),
           P("d", R"(path "secret/x" { capabilities = ["delete"] })")});
  EXPECT_EQ(acl.Capabilities("secret/y"), uint32_t{kRead | kList});
  EXPECT_EQ(CapabilityNames(acl.Capabilities("secret/y")),
            (Names{"list", "read"}));
  EXPECT_EQ(acl.Capabilities("secret/x"), uint32_t{kUpdate | kDelete});
}

TEST(AclTest, DenyWins) {
  Acl merged({P("a", R"(path "secret/*" { capabilities = ["read", "sudo"] })"),
              P("b", R"(path "secret/*" { capabilities = ["deny"] })"),
              P("c", R"(path "secret/*" { capabilities = ["list"] })")});
  EXPECT_EQ(merged.Capabilities("secret/x"), uint32_t{kDeny});
  EXPECT_FALSE(merged.Allows("secret/x", kRead));
  EXPECT_EQ(CapabilityNames(merged.Capabilities("secret/x")), Names{"deny"});

  Acl specific = FromText(R"(
path "secret/*" { capabilities = ["read"] }
path "secret/private/*" { capabilities = ["deny"] }
)");
  EXPECT_TRUE(specific.Allows("secret/public", kRead));
  EXPECT_FALSE(specific.Allows("secret/private/key", kRead));
  EXPECT_FALSE(specific.Allows("secret/x", kDeny));
}

TEST(AclTest, EmptyCapabilitiesShadowABroaderRule) {
  Acl acl = FromText(R"(
path "secret/*" { capabilities = ["read"] }
path "secret/locked" { capabilities = [] }
)");
  EXPECT_EQ(acl.Capabilities("secret/locked"), 0u);
  EXPECT_TRUE(acl.Allows("secret/open", kRead));
}

TEST(AclTest, DefaultDeny) {
  Acl none({});
  EXPECT_FALSE(none.is_root());
  EXPECT_EQ(none.Capabilities("secret/x"), 0u);
  EXPECT_FALSE(none.Allows("secret/x", kRead));
  EXPECT_EQ(CapabilityNames(none.Capabilities("secret/x")), Names{"deny"});
  Acl some = FromText(R"(path "secret/*" { capabilities = ["read"] })");
  EXPECT_FALSE(some.Allows("sys/health", kRead));
  EXPECT_FALSE(some.Allows("secret/x", kUpdate));
}

TEST(AclTest, Root) {
  Policy root;
  root.name = "root";
  Acl acl({root, P("p", R"(path "secret/*" { capabilities = ["deny"] })")});
  EXPECT_TRUE(acl.is_root());
  EXPECT_TRUE(acl.Allows("sys/storage/raft/snapshot-auto/config/x", kSudo));
  EXPECT_TRUE(acl.Allows("secret/x", kRead));
  EXPECT_EQ(acl.Capabilities("anything") & kAllCapabilities, kAllCapabilities);
  EXPECT_EQ(CapabilityNames(acl.Capabilities("anything")), Names{"root"});
}

TEST(AclTest, SnapshotPolicy) {
  Acl acl = FromText(
      R"(path "sys/storage/raft/snapshot" { capabilities = ["read"] })");
  EXPECT_TRUE(acl.Allows("sys/storage/raft/snapshot", kRead));
  EXPECT_FALSE(acl.Allows("sys/storage/raft/snapshot", kUpdate));
  EXPECT_FALSE(acl.Allows("sys/storage/raft/snapshot", kCreate));
  EXPECT_EQ(acl.Capabilities("sys/storage/raft/snapshot-force"), 0u);
  EXPECT_FALSE(acl.Allows("sys/storage/raft/snapshot-force", kUpdate));
  EXPECT_FALSE(acl.Allows("sys/storage/raft/snapshot-force", kRead));

  Acl restore = FromText(R"(
path "sys/storage/raft/snapshot" { capabilities = ["update"] }
path "sys/storage/raft/snapshot-force" { capabilities = ["update"] }
)");
  EXPECT_TRUE(restore.Allows("sys/storage/raft/snapshot-force", kUpdate));
  EXPECT_FALSE(restore.Allows("sys/storage/raft/snapshot", kRead));
}

TEST(AclTest, DefaultPolicyGrants) {
  Acl acl({DefaultPolicy()});
  EXPECT_TRUE(acl.Allows("auth/token/lookup-self", kRead));
  EXPECT_TRUE(acl.Allows("auth/token/renew-self", kUpdate));
  EXPECT_TRUE(acl.Allows("cubbyhole/my/secret", kCreate));
  EXPECT_TRUE(acl.Allows("sys/capabilities-self", kUpdate));
  EXPECT_FALSE(acl.Allows("auth/token/lookup-self", kUpdate));
  EXPECT_FALSE(acl.Allows("sys/storage/raft/snapshot", kRead));
  EXPECT_FALSE(acl.Allows("secret/x", kRead));
}

TEST(AclTest, CapabilityNames) {
  EXPECT_EQ(CapabilityNames(kCreate | kRead), (Names{"create", "read"}));
  EXPECT_EQ(
      CapabilityNames(kAllCapabilities),
      (Names{"create", "delete", "list", "patch", "read", "sudo", "update"}));
  EXPECT_EQ(CapabilityNames(kDeny), Names{"deny"});
  EXPECT_EQ(CapabilityNames(0), Names{"deny"});
  EXPECT_EQ(CapabilityNames(kRoot | kAllCapabilities), Names{"root"});
}

}  // namespace
}  // namespace vk::acl
