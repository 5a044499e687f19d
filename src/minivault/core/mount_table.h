// The secrets-engine mount table, stored as Vault does at core/mounts
// (barrier-encrypted JSON {"type":"mounts","entries":[...]}). minivault
// serves KV version 2 engines; each mount's data lives under
// logical/<uuid>/, so disabling a mount deletes that prefix.
#ifndef MINIVAULT_CORE_MOUNT_TABLE_H_
#define MINIVAULT_CORE_MOUNT_TABLE_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "kit/base/result.h"

namespace vk::minivault {

inline constexpr std::string_view kMountTablePath = "core/mounts";

struct MountEntry {
  std::string path;  // with trailing '/', e.g. "secret/"
  std::string type;  // "kv"
  std::string description;
  std::string uuid;
  std::string accessor;
  nlohmann::json options = nlohmann::json::object();  // {"version":"2"}
  nlohmann::json config = nlohmann::json::object();

  std::string storage_prefix() const { return "logical/" + uuid + "/"; }
  // The entry as GET sys/mounts shows it.
  nlohmann::json Describe() const;
};

class MountTable {
 public:
  static Result<MountTable> Decode(std::string_view json);
  std::string Encode() const;

  // The mount whose path is the longest prefix of `request_path`.
  const MountEntry* Match(std::string_view request_path) const;
  const MountEntry* Find(std::string_view mount_path) const;
  const std::vector<MountEntry>& entries() const { return entries_; }
  // Checks Vault's rules (no nesting with an existing mount, reserved
  // prefixes) and appends; InvalidArgument with Vault's texts.
  Status Add(MountEntry entry);
  bool Remove(std::string_view mount_path);

  // Vault normalises mount paths to end in '/'.
  static std::string Normalize(std::string_view path);

 private:
  std::vector<MountEntry> entries_;
};

std::string NewUuid();

}  // namespace vk::minivault

#endif  // MINIVAULT_CORE_MOUNT_TABLE_H_
