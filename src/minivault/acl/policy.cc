#include "minivault/acl/policy.h"

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "kit/base/check.h"
#include "kit/base/strings.h"
#include "minivault/acl/hcl.h"

namespace vk::acl {
namespace {

using nlohmann::json;

Status PathError(std::string_view pattern, const std::string& what) {
  return InvalidArgument("path " + Quote(pattern) + ": " + what);
}

// Rejects JSON nested deeper than HCL input may be, before handing it to
// nlohmann, so both input forms share one limit.
Status CheckJsonDepth(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxHclDepth) {
        return InvalidArgument("policy JSON is nested deeper than " +
                               std::to_string(kMaxHclDepth) + " levels");
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return Status::Ok();
}

Result<uint32_t> CapabilityBit(std::string_view pattern,
                               std::string_view name) {
  static constexpr struct {
    std::string_view name;
    uint32_t bit;
  } kNames[] = {{"create", kCreate}, {"read", kRead},  {"update", kUpdate},
                {"delete", kDelete}, {"list", kList},  {"sudo", kSudo},
                {"deny", kDeny},     {"patch", kPatch}};
  for (const auto& n : kNames) {
    if (n.name == name) return n.bit;
  }
  return PathError(pattern, "invalid capability " + Quote(name));
}

// The deprecated `policy = "..."` shorthand.
Result<uint32_t> OldPolicyBits(std::string_view pattern,
                               std::string_view name) {
  if (name == "deny") return uint32_t{kDeny};
  if (name == "read") return uint32_t{kRead | kList};
  if (name == "write") {
    return uint32_t{kCreate | kRead | kUpdate | kDelete | kList};
  }
  if (name == "sudo") {
    return uint32_t{kCreate | kRead | kUpdate | kDelete | kList | kSudo};
  }
  return PathError(pattern, "invalid policy " + Quote(name));
}

Status ParsePattern(std::string_view pattern, PathRule* rule) {
  size_t star = pattern.find('*');
  if (star != std::string_view::npos && star + 1 != pattern.size()) {
    return PathError(pattern, "'*' is only allowed as the last character");
  }
  if (pattern.find("+*") != std::string_view::npos) {
    return PathError(pattern, "invalid use of wildcards ('+*' is forbidden)");
  }
  rule->prefix = star != std::string_view::npos;
  rule->pattern = std::string(rule->prefix ? pattern.substr(0, star) : pattern);
  std::string_view p = rule->pattern;
  size_t start = 0;
  while (true) {
    size_t slash = p.find('/', start);
    std::string_view seg = p.substr(
        start, slash == std::string_view::npos ? p.npos : slash - start);
    if (seg == "+") rule->has_segment_wildcard = true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

Result<PathRule> ParseRule(const std::string& pattern, const json& body) {
  if (!body.is_object()) return PathError(pattern, "expected an object");
  PathRule rule;
  VK_RETURN_IF_ERROR(ParsePattern(pattern, &rule));
  uint32_t caps = 0;
  for (const auto& [key, value] : body.items()) {
    if (key == "capabilities") {
      // HCL1 decodes a lone string into a one-element list; so do we.
      json list = value.is_string() ? json::array({value}) : value;
      if (!list.is_array()) {
        return PathError(pattern, "capabilities must be a list of strings");
      }
      for (const json& c : list) {
        if (!c.is_string()) {
          return PathError(pattern, "capabilities must be a list of strings");
        }
        VK_ASSIGN_OR_RETURN(
            uint32_t bit,
            CapabilityBit(pattern, c.get_ref<const std::string&>()));
        caps |= bit;
      }
    } else if (key == "policy") {
      if (!value.is_string()) {
        return PathError(pattern, "policy must be a string");
      }
      VK_ASSIGN_OR_RETURN(
          uint32_t bits,
          OldPolicyBits(pattern, value.get_ref<const std::string&>()));
      caps |= bits;
    } else if (key == "allowed_parameters" || key == "denied_parameters" ||
               key == "required_parameters" || key == "min_wrapping_ttl" ||
               key == "max_wrapping_ttl" || key == "mfa_methods" ||
               key == "control_group" || key == "comment") {
      continue;  // accepted, not enforced (see policy.h)
    } else {
      return PathError(pattern, "invalid key " + Quote(key));
    }
  }
  rule.capabilities = (caps & kDeny) ? uint32_t{kDeny} : caps;
  return rule;
}

// `paths` maps patterns to a block body, or to a list of bodies when the
// same block was repeated.
Status ParsePathMap(const json& paths, std::vector<PathRule>* rules) {
  if (!paths.is_object()) {
    return InvalidArgument("policy \"path\" must map patterns to blocks");
  }
  for (const auto& [pattern, value] : paths.items()) {
    if (value.is_array()) {
      for (const json& body : value) {
        VK_ASSIGN_OR_RETURN(PathRule r, ParseRule(pattern, body));
        rules->push_back(std::move(r));
      }
    } else {
      VK_ASSIGN_OR_RETURN(PathRule r, ParseRule(pattern, value));
      rules->push_back(std::move(r));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Policy> ParsePolicy(std::string_view name, std::string_view text) {
  Policy policy;
  policy.name = AsciiLower(name);
  if (policy.name.empty()) {
    return InvalidArgument("policy name must not be empty");
  }
  policy.raw = std::string(text);

  json doc;
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') {
    VK_RETURN_IF_ERROR(CheckJsonDepth(text));
    doc = json::parse(text.begin(), text.end(), nullptr,
                      /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      return InvalidArgument("policy " + Quote(policy.name) +
                             " is not a valid JSON object");
    }
  } else {
    Result<json> parsed = ParseHcl(text);
    if (!parsed.ok()) {
      return parsed.status().WithContext("failed to parse policy " +
                                         Quote(policy.name));
    }
    doc = std::move(parsed).value();
  }

  for (const auto& [key, value] : doc.items()) {
    Status s;
    if (key == "name") continue;
    if (key != "path") {
      s = InvalidArgument("invalid key " + Quote(key));
    } else if (value.is_array()) {
      // JSON form of repeated blocks: "path": [{"a": {...}}, {"b": {...}}].
      for (const json& m : value) {
        s = ParsePathMap(m, &policy.rules);
        if (!s.ok()) break;
      }
    } else {
      s = ParsePathMap(value, &policy.rules);
    }
    if (!s.ok()) {
      return s.WithContext("failed to parse policy " + Quote(policy.name));
    }
  }
  return policy;
}

std::string_view DefaultPolicyText() {
  // Written for minivault from the documented behaviour of Vault's default
  // policy; see policy.h for what is left out.
  static constexpr std::string_view kText = R"hcl(
# A token may inspect, renew and revoke itself.
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "auth/token/revoke-self" { capabilities = ["update"] }

# A token may ask what it is allowed to do.
path "sys/capabilities-self" { capabilities = ["update"] }
path "sys/internal/ui/resultant-acl" { capabilities = ["read"] }

# Leases handed to this token.
path "sys/renew" { capabilities = ["update"] }
path "sys/leases/renew" { capabilities = ["update"] }
path "sys/leases/lookup" { capabilities = ["update"] }

# The per-token cubbyhole.
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping helpers.
path "sys/wrapping/wrap" { capabilities = ["update"] }
path "sys/wrapping/lookup" { capabilities = ["update"] }
path "sys/wrapping/unwrap" { capabilities = ["update"] }

# Hashing tool.
path "sys/tools/hash" { capabilities = ["update"] }
path "sys/tools/hash/*" { capabilities = ["update"] }

# Asking for control-group authorisation.
path "sys/control-group/request" { capabilities = ["update"] }
)hcl";
  return kText;
}

const Policy& DefaultPolicy() {
  static const Policy& policy = *[] {
    Result<Policy> p = ParsePolicy("default", DefaultPolicyText());
    VK_CHECK(p.ok());
    return new Policy(std::move(p).value());
  }();
  return policy;
}

}  // namespace vk::acl
