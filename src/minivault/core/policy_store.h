// ACL policies by name, stored as Vault does under sys/policy/<name>
// (barrier-encrypted JSON {"Version","Name","Raw","Type"}). "root" is built
// in and never stored; "default" is written at init and may be edited but
// not deleted. Parsed policies are cached; the cache is dropped whenever the
// whole state changes (restore, seal).
#ifndef MINIVAULT_CORE_POLICY_STORE_H_
#define MINIVAULT_CORE_POLICY_STORE_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "minivault/acl/acl.h"
#include "minivault/acl/policy.h"
#include "minivault/logical/logical.h"

namespace vk::minivault {

class PolicyStore {
 public:
  // `view` is the barrier view rooted at "sys/policy/".
  explicit PolicyStore(logical::Storage* view) : view_(view) {}

  // The stored value for a policy (used at init to write "default").
  static std::string EncodeEntry(const acl::Policy& policy);

  // nullopt if there is no such policy.
  Result<std::optional<acl::Policy>> Get(std::string_view name);
  // Parses and stores; InvalidArgument with Vault's texts for a bad policy
  // or a write to "root".
  Status Put(std::string_view name, std::string_view raw);
  Status Delete(std::string_view name);
  Result<std::vector<std::string>> List();
  // An ACL from a token's policies; unknown names are skipped, as in Vault.
  Result<acl::Acl> AclFor(const std::vector<std::string>& names);
  void Invalidate();

 private:
  logical::Storage* view_;
  std::mutex mu_;
  std::map<std::string, acl::Policy, std::less<>> cache_;
};

}  // namespace vk::minivault

#endif  // MINIVAULT_CORE_POLICY_STORE_H_
