#include "vaultkeep/keystore/key_store.h"

#include <nlohmann/json.hpp>

#include "kit/base/strings.h"

namespace vk::keystore {

std::string UnsealKeyName(const std::string& prefix, int index) {
  std::string base = "unseal-key-" + std::to_string(index);
  return prefix.empty() ? base : prefix + "-" + base;
}

std::string RootTokenName(const std::string& prefix) {
  return prefix.empty() ? "root-token" : prefix + "-root-token";
}

Status ValidatePrefix(const std::string& prefix) {
  for (char c : prefix) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!ok) {
      return InvalidArgument("key prefix " + Quote(prefix) +
                             ": only letters, digits, '-', '.' and '_' may "
                             "appear (it names files and Secret keys)");
    }
  }
  if (!prefix.empty() && (prefix[0] == '.' || prefix[0] == '-')) {
    return InvalidArgument("key prefix " + Quote(prefix) +
                           " must not start with '.' or '-'");
  }
  return Status::Ok();
}

Result<std::string> DecodeValue(const std::string& name,
                                const std::string& raw) {
  std::string v = TrimSpace(raw);
  if (!v.empty() && v.front() == '"') {
    auto j = nlohmann::json::parse(v, nullptr, /*allow_exceptions=*/false);
    if (!j.is_string()) {
      return InvalidArgument("key " + Quote(name) +
                             ": starts with '\"' but is not a JSON string");
    }
    v = j.get<std::string>();
  }
  if (v.empty()) return InvalidArgument("key " + Quote(name) + " is empty");
  return v;
}

Result<std::vector<KeyEntry>> CollectKeys(KeyStore& store,
                                          const CollectOptions& o) {
  VK_RETURN_IF_ERROR(ValidatePrefix(o.prefix));
  if (o.shares < 1 || o.shares > 255) {
    return InvalidArgument("unseal key shares must be 1..255, not " +
                           std::to_string(o.shares));
  }
  std::vector<KeyEntry> out;
  std::vector<std::string> missing;
  std::string root = RootTokenName(o.prefix);
  VK_ASSIGN_OR_RETURN(auto token, store.Get(root));
  if (token) {
    out.push_back({root, std::move(*token)});
  } else if (!o.allow_missing_root_token) {
    missing.push_back(root);
  }
  for (int i = 0; i < o.shares; ++i) {
    std::string name = UnsealKeyName(o.prefix, i);
    VK_ASSIGN_OR_RETURN(auto key, store.Get(name));
    if (key) {
      out.push_back({name, std::move(*key)});
    } else {
      missing.push_back(name);
    }
  }
  if (!missing.empty()) {
    std::string hint = missing.size() == 1 && missing[0] == root
                           ? " (some unsealers do not store the root token: "
                             "--allow-missing-root-token backs up without it)"
                           : "";
    return NotFound(store.Describe() + " lacks " + Join(missing, ", ") + hint);
  }
  return out;
}

}  // namespace vk::keystore
