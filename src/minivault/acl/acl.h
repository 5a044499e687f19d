// Acl: the capabilities a token's policies grant on a request path.
#ifndef MINIVAULT_ACL_ACL_H_
#define MINIVAULT_ACL_ACL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "minivault/acl/policy.h"

namespace vk::acl {

class Acl {
 public:
  // Builds from a token's policies. A policy named "root" grants everything
  // including sudo. Rules with the same pattern (and the same trailing '*')
  // in several policies are merged: the union of their capabilities, or
  // deny alone if any of them denies.
  explicit Acl(const std::vector<Policy>& policies);

  bool is_root() const { return root_; }

  // The capabilities granted on `path` (a request path without leading '/').
  // An exact rule wins. Otherwise the matching glob rule with the highest
  // priority is chosen; a rule has lower priority when, in order:
  //   1. its first wildcard ('+' or the trailing '*') comes earlier;
  //   2. it ends in '*' and the other does not;
  //   3. it has more '+' segments;
  //   4. its pattern is shorter;
  //   5. its pattern is lexicographically smaller.
  // '+' matches exactly one non-empty segment; a trailing '*' matches any
  // rest, '/' included. No match grants nothing (0). A chosen deny rule
  // gives kDeny alone. For root: kAllCapabilities | kRoot.
  uint32_t Capabilities(std::string_view path) const;

  // True if the single capability `needed` is granted on `path` and the
  // path is not denied.
  bool Allows(std::string_view path, Capability needed) const;

 private:
  struct GlobRule {
    std::string pattern;  // without the trailing '*'
    bool prefix = false;
    std::vector<std::string> segments;  // pattern split on '/'
    size_t first_wildcard = 0;          // index of the first '+' or '*'
    int plus_segments = 0;
    uint32_t capabilities = 0;
  };

  // `segments` is `path` split on '/'.
  static bool Matches(const GlobRule& rule, std::string_view path,
                      const std::vector<std::string_view>& segments);
  // True if `a` has lower priority than `b`.
  static bool LowerPriority(const GlobRule& a, const GlobRule& b);

  bool root_ = false;
  std::unordered_map<std::string, uint32_t> exact_;
  std::vector<GlobRule> globs_;
};

// Sorted capability names, as Vault's capabilities endpoints report them:
// e.g. ["create", "read"]; ["deny"] when `caps` has kDeny or grants nothing;
// ["root"] when `caps` has the kRoot marker.
std::vector<std::string> CapabilityNames(uint32_t caps);

}  // namespace vk::acl

#endif  // MINIVAULT_ACL_ACL_H_
