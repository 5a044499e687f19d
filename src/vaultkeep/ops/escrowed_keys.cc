#include "vaultkeep/ops/escrowed_keys.h"

#include <algorithm>
#include <map>

#include "kit/base/strings.h"
#include "vaultkeep/backup/blob_reader.h"
#include "vaultkeep/keystore/key_store.h"

namespace vk::ops {

bool ParseKeyName(const std::string& name, std::string* prefix, int* index,
                  bool* is_root) {
  auto split = [&](std::string_view tail) -> std::optional<std::string> {
    if (name == tail) return std::string();
    std::string dashed(1, '-');
    dashed.append(tail);
    if (name.size() > dashed.size() && name.ends_with(dashed))
      return name.substr(0, name.size() - dashed.size());
    return std::nullopt;
  };
  if (auto p = split("root-token")) {
    *prefix = *p;
    *is_root = true;
    *index = -1;
    return true;
  }
  size_t pos = name.rfind("unseal-key-");
  if (pos == std::string::npos) return false;
  std::string digits = name.substr(pos + 11);
  if (digits.empty() || digits.size() > 3 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  if (pos == 0) {
    *prefix = "";
  } else if (name[pos - 1] == '-') {
    *prefix = name.substr(0, pos - 1);
  } else {
    return false;
  }
  *index = std::stoi(digits);
  *is_root = false;
  return true;
}

Result<EscrowedKeys> LoadEscrowedKeys(repo::Repository& repo,
                                      const backup::VaultBackup& b) {
  EscrowedKeys out;
  std::map<int, std::string> by_index;
  bool have_prefix = false;
  for (const repo::Node& n : b.keys) {
    std::string prefix;
    int index = -1;
    bool is_root = false;
    if (!ParseKeyName(n.name, &prefix, &index, &is_root)) continue;
    if (have_prefix && prefix != out.prefix) {
      return Corruption("the backup holds keys of two prefixes (" +
                        Quote(out.prefix) + " and " + Quote(prefix) + ")");
    }
    out.prefix = prefix;
    have_prefix = true;
    VK_ASSIGN_OR_RETURN(
        std::string raw,
        backup::LoadContent(repo,
                            n.content.value_or(std::vector<Sha256Digest>{}),
                            n.name, 64 << 10));
    Result<std::string> value = keystore::DecodeValue(n.name, raw);
    if (!value.ok()) return Corruption(value.status().message());
    if (is_root) {
      out.root_token = std::move(*value);
    } else {
      by_index[index] = std::move(*value);
    }
  }
  int expect = 0;
  for (auto& [i, v] : by_index) {
    if (i != expect) {
      return Corruption("the backup's unseal keys skip index " +
                        std::to_string(expect));
    }
    out.unseal_keys.push_back(std::move(v));
    ++expect;
  }
  return out;
}

std::vector<NamedShare> SharesOf(const EscrowedKeys& keys) {
  std::vector<NamedShare> out;
  for (size_t i = 0; i < keys.unseal_keys.size(); ++i) {
    out.push_back({keystore::UnsealKeyName(keys.prefix, static_cast<int>(i)),
                   keys.unseal_keys[i]});
  }
  return out;
}

Result<KeyCheck> CheckBackupKeys(repo::Repository& repo,
                                 const backup::VaultBackup& b,
                                 const EscrowedKeys& keys) {
  KeyCheckInput in;
  in.shares = SharesOf(keys);
  in.threshold = b.manifest.cluster.threshold;
  in.seal_type = b.manifest.cluster.seal_type;
  if (b.layout == backup::BackupLayout::kVaultkeep) {
    const repo::Node* n = backup::FindNode(b.archive, "SHA256SUMS.sealed");
    if (n != nullptr && n->content) {
      VK_ASSIGN_OR_RETURN(
          std::string sealed,
          backup::LoadContent(repo, *n->content, "SHA256SUMS.sealed", 1 << 20));
      in.sealed = std::move(sealed);
    }
  }
  KeyCheck out = CheckUnsealKeys(in);
  for (NamedShare& s : in.shares) Wipe(s.value);
  return out;
}

std::vector<NamedShare> UnsealOrder(const EscrowedKeys& keys,
                                    const KeyCheck& check) {
  std::vector<NamedShare> all = SharesOf(keys), out;
  auto take = [&](const std::string& name) {
    for (NamedShare& s : all) {
      if (s.name == name && !s.value.empty()) {
        out.push_back(std::move(s));
        s.value.clear();
      }
    }
  };
  for (const std::string& name : check.good) take(name);
  for (const NamedShare& s : all) {
    if (s.value.empty()) continue;
    if (std::find(check.bad.begin(), check.bad.end(), s.name) ==
        check.bad.end())
      take(s.name);
  }
  for (NamedShare& s : all) Wipe(s.value);  // the bad ones
  return out;
}

}  // namespace vk::ops
