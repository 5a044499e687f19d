// Vault ACL policies: the model and the parser for their HCL/JSON text.
#ifndef MINIVAULT_ACL_POLICY_H_
#define MINIVAULT_ACL_POLICY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk::acl {

// One bit per Vault capability. kDeny in a rule replaces every other bit.
enum Capability : uint32_t {
  kCreate = 1u << 0,
  kRead = 1u << 1,
  kUpdate = 1u << 2,
  kDelete = 1u << 3,
  kList = 1u << 4,
  kSudo = 1u << 5,
  kDeny = 1u << 6,
  kPatch = 1u << 7,
  // Never produced by a policy: set by Acl::Capabilities() for a root token,
  // so that CapabilityNames() reports ["root"] as Vault does.
  kRoot = 1u << 31,
};

// Every grantable capability (all but kDeny and the kRoot marker).
inline constexpr uint32_t kAllCapabilities =
    kCreate | kRead | kUpdate | kDelete | kList | kSudo | kPatch;

struct PathRule {
  std::string pattern;                // without the trailing '*'
  bool prefix = false;                // the pattern ended in '*'
  bool has_segment_wildcard = false;  // some segment is exactly "+"
  uint32_t capabilities = 0;          // kDeny alone, or a set of grants
};

struct Policy {
  std::string name;
  std::string raw;              // the text as given
  std::vector<PathRule> rules;  // one per path block; order is not significant
};

// Parses an ACL policy from HCL, or from its JSON equivalent
// {"path":{"<pattern>":{"capabilities":[...]}}} (text starting with '{').
//
// - `name` is lowercased, as Vault stores policy names; empty is rejected.
//   The reserved names "root" and "default" are not checked here: refusing
//   to store them is the policy store's job.
// - Top-level keys: "path" blocks and an ignored "name". Path block keys:
//   "capabilities" (list of capability names) and the deprecated "policy"
//   (read -> read,list; write -> create,read,update,delete,list; deny ->
//   deny; sudo -> create,read,update,delete,list,sudo, as in Vault, which
//   predates patch). Both may appear; their capabilities are combined.
// - Accepted but ignored, since minivault does not enforce request
//   parameters, response wrapping, MFA or control groups:
//   allowed_parameters, denied_parameters, required_parameters,
//   min_wrapping_ttl, max_wrapping_ttl, mfa_methods, control_group, comment.
// - Any other key, an unknown capability, a '*' other than as the last
//   character, or "+*" yields kInvalidArgument naming the path, e.g.
//   `path "secret/*": invalid capability "raed"`.
// - A pattern is used as written: request paths carry no leading '/', so a
//   pattern starting with '/' never matches.
// - "deny" among the capabilities makes the rule deny-only.
Result<Policy> ParsePolicy(std::string_view name, std::string_view text);

// Vault's built-in "default" policy, which every token gets unless created
// with no_default_policy: look up, renew and revoke its own token, query its
// own capabilities, use its cubbyhole, response wrapping helpers, lease
// renewal and lookup, the hash tool and the UI's resultant-acl. Identity
// templated paths ({{identity.entity.id}}) are left out: minivault has no
// identity store.
const Policy& DefaultPolicy();

// The rule text DefaultPolicy() was parsed from.
std::string_view DefaultPolicyText();

}  // namespace vk::acl

#endif  // MINIVAULT_ACL_POLICY_H_
