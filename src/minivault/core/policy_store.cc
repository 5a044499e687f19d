#include "minivault/core/policy_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "kit/base/strings.h"
#include "minivault/logical/json_limits.h"

namespace vk::minivault {
namespace {}  // namespace

std::string PolicyStore::EncodeEntry(const acl::Policy& policy) {
  // Type 0 is Vault's ACL policy type.
  return nlohmann::json{{"Version", 2},
                        {"Name", policy.name},
                        {"Raw", policy.raw},
                        {"Templated", false},
                        {"Type", 0}}
      .dump();
}

Result<std::optional<acl::Policy>> PolicyStore::Get(std::string_view name) {
  std::string n = AsciiLower(name);
  {
    std::lock_guard lock(mu_);
    if (auto it = cache_.find(n); it != cache_.end())
      return std::optional<acl::Policy>(it->second);
  }
  if (n == "root") {
    acl::Policy root;
    root.name = "root";
    return std::optional<acl::Policy>(root);
  }
  auto raw = view_->Get(n);
  if (!raw.ok()) return raw.status();
  if (!raw.value()) return std::optional<acl::Policy>();
  nlohmann::json j =
      logical::ParseJsonOrDiscarded(*raw.value(), logical::kStoredJsonLimits);
  if (!j.is_object() || !j.contains("Raw") || !j["Raw"].is_string())
    return Corruption("stored policy \"" + n + "\" is malformed");
  auto policy = acl::ParsePolicy(n, j["Raw"].get<std::string>());
  if (!policy.ok()) return policy.status().WithContext("stored policy " + n);
  std::lock_guard lock(mu_);
  cache_[n] = policy.value();
  return std::optional<acl::Policy>(std::move(policy).value());
}

Status PolicyStore::Put(std::string_view name, std::string_view raw) {
  std::string n = AsciiLower(name);
  if (n.empty()) return InvalidArgument("policy name must be provided");
  if (n == "root") return InvalidArgument("cannot update \"root\" policy");
  auto policy = acl::ParsePolicy(n, raw);
  if (!policy.ok())
    return InvalidArgument("failed to parse policy: " +
                           policy.status().message());
  if (Status s = view_->Put(n, EncodeEntry(policy.value())); !s.ok()) return s;
  std::lock_guard lock(mu_);
  cache_[n] = std::move(policy).value();
  return Status::Ok();
}

Status PolicyStore::Delete(std::string_view name) {
  std::string n = AsciiLower(name);
  if (n == "root" || n == "default")
    return InvalidArgument("cannot delete \"" + n + "\" policy");
  if (Status s = view_->Delete(n); !s.ok()) return s;
  std::lock_guard lock(mu_);
  cache_.erase(n);
  return Status::Ok();
}

Result<std::vector<std::string>> PolicyStore::List() {
  auto names = view_->List("");
  if (!names.ok()) return names.status();
  std::vector<std::string> out;
  for (auto& n : names.value())
    if (!n.empty() && n.back() != '/') out.push_back(std::move(n));
  out.push_back("root");
  std::sort(out.begin(), out.end());
  return out;
}

Result<acl::Acl> PolicyStore::AclFor(const std::vector<std::string>& names) {
  std::vector<acl::Policy> policies;
  for (const auto& name : names) {
    auto p = Get(name);
    if (!p.ok()) return p.status();
    if (p.value()) policies.push_back(std::move(*p.value()));
  }
  return acl::Acl(policies);
}

void PolicyStore::Invalidate() {
  std::lock_guard lock(mu_);
  cache_.clear();
}

}  // namespace vk::minivault
