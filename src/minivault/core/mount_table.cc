#include "minivault/core/mount_table.h"

#include <cstdio>

#include "kit/crypto/aead.h"
#include "minivault/logical/json_limits.h"

namespace vk::minivault {

std::string NewUuid() {
  std::string b = RandomBytes(16);
  b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
  char out[37];
  const auto* u = reinterpret_cast<const unsigned char*>(b.data());
  std::snprintf(
      out, sizeof(out),
      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
      u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
      u[12], u[13], u[14], u[15]);
  return out;
}

nlohmann::json MountEntry::Describe() const {
  nlohmann::json cfg = {{"default_lease_ttl", 0},
                        {"max_lease_ttl", 0},
                        {"force_no_cache", false}};
  for (auto& [k, v] : config.items()) cfg[k] = v;
  return {{"type", type},
          {"description", description},
          {"accessor", accessor},
          {"uuid", uuid},
          {"config", cfg},
          {"options", options.empty() ? nlohmann::json() : options},
          {"local", false},
          {"seal_wrap", false},
          {"external_entropy_access", false},
          {"plugin_version", ""},
          {"running_plugin_version", "v0.16.1+builtin"},
          {"running_sha256", ""}};
}

std::string MountTable::Normalize(std::string_view path) {
  std::string p(path);
  while (!p.empty() && p.front() == '/') p.erase(p.begin());
  if (!p.empty() && p.back() != '/') p.push_back('/');
  return p;
}

Result<MountTable> MountTable::Decode(std::string_view json) {
  nlohmann::json j =
      logical::ParseJsonOrDiscarded(json, logical::kStoredJsonLimits);
  if (!j.is_object() || !j.contains("entries") || !j["entries"].is_array())
    return Corruption("stored mount table is malformed");
  MountTable t;
  try {
    for (const auto& e : j["entries"]) {
      MountEntry m;
      m.path = e.at("path").get<std::string>();
      m.type = e.at("type").get<std::string>();
      m.description = e.value("description", "");
      m.uuid = e.at("uuid").get<std::string>();
      m.accessor = e.value("accessor", "");
      m.options = e.value("options", nlohmann::json::object());
      m.config = e.value("config", nlohmann::json::object());
      t.entries_.push_back(std::move(m));
    }
  } catch (const nlohmann::json::exception&) {
    return Corruption("stored mount table is malformed");
  }
  return t;
}

std::string MountTable::Encode() const {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& m : entries_) {
    entries.push_back({{"table", "mounts"},
                       {"path", m.path},
                       {"type", m.type},
                       {"description", m.description},
                       {"uuid", m.uuid},
                       {"accessor", m.accessor},
                       {"options", m.options},
                       {"config", m.config},
                       {"local", false},
                       {"seal_wrap", false}});
  }
  return nlohmann::json{{"type", "mounts"}, {"entries", entries}}.dump();
}

const MountEntry* MountTable::Match(std::string_view request_path) const {
  const MountEntry* best = nullptr;
  for (const auto& m : entries_) {
    std::string_view p = m.path;
    bool hit = request_path.substr(0, p.size()) == p ||
               (request_path.size() + 1 == p.size() &&
                p.substr(0, request_path.size()) == request_path);
    if (hit && (!best || m.path.size() > best->path.size())) best = &m;
  }
  return best;
}

const MountEntry* MountTable::Find(std::string_view mount_path) const {
  std::string p = Normalize(mount_path);
  for (const auto& m : entries_)
    if (m.path == p) return &m;
  return nullptr;
}

Status MountTable::Add(MountEntry entry) {
  entry.path = Normalize(entry.path);
  if (entry.path.empty() || entry.path == "/")
    return InvalidArgument("missing path");
  for (std::string_view reserved :
       {"sys/", "auth/", "cubbyhole/", "identity/"}) {
    if (entry.path.substr(0, reserved.size()) == reserved)
      return InvalidArgument("cannot mount '" + entry.path +
                             "' of type 'kv': path is reserved");
  }
  for (const auto& m : entries_) {
    if (entry.path.substr(0, m.path.size()) == m.path ||
        m.path.substr(0, entry.path.size()) == entry.path)
      return InvalidArgument("path is already in use at " + m.path);
  }
  entries_.push_back(std::move(entry));
  return Status::Ok();
}

bool MountTable::Remove(std::string_view mount_path) {
  std::string p = Normalize(mount_path);
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->path == p) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

}  // namespace vk::minivault
