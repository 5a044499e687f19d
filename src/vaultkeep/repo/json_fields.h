// Readers for optional fields of restic's JSON documents (trees, snapshot
// files), decoded the way Go's encoding/json accepts them: a missing field
// keeps its default; a present field of the wrong type is an error (false).
#ifndef VAULTKEEP_REPO_JSON_FIELDS_H_
#define VAULTKEEP_REPO_JSON_FIELDS_H_

#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "kit/crypto/sha256.h"

namespace vk::repo::json_fields {

using Json = nlohmann::ordered_json;

// A 64-hex-digit ID.
inline bool ParseId(const Json& v, Sha256Digest* out) {
  if (!v.is_string()) return false;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() != 64) return false;
  auto raw = HexDecode(s);
  if (!raw.ok()) return false;
  std::memcpy(out->data(), raw->data(), 32);
  return true;
}

// An optional ID; null counts as absent.
inline bool OptionalId(const Json& o, const char* key,
                       std::optional<Sha256Digest>* out) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return true;
  Sha256Digest id;
  if (!ParseId(*it, &id)) return false;
  *out = id;
  return true;
}

inline bool String(const Json& o, const char* key, std::string* out) {
  auto it = o.find(key);
  if (it == o.end()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

template <typename T>
bool Unsigned(const Json& o, const char* key, T* out) {
  auto it = o.find(key);
  if (it == o.end()) return true;
  if (!it->is_number_unsigned()) return false;  // nlohmann: integers >= 0
  uint64_t v = it->get<uint64_t>();
  if (v > std::numeric_limits<T>::max()) return false;
  *out = static_cast<T>(v);
  return true;
}

}  // namespace vk::repo::json_fields

#endif  // VAULTKEEP_REPO_JSON_FIELDS_H_
