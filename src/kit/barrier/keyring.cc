#include "kit/barrier/keyring.h"

#include <chrono>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "kit/crypto/aead.h"

namespace vk::barrier {
namespace {

using Json = nlohmann::ordered_json;

// What Go writes for a zero time.Time.
constexpr std::string_view kGoZeroTime = "0001-01-01T00:00:00Z";

Status Bad(std::string_view what) {
  return Corruption("keyring is not a valid EncodedKeyring: " +
                    std::string(what));
}

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Go's encoding/json field lookup: an exact name wins, otherwise a
// case-insensitive match. A JSON null counts as absent (Go leaves the field
// at its zero value).
const Json* Field(const Json& obj, std::string_view name) {
  const Json* folded = nullptr;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it.key() == name) return it->is_null() ? nullptr : &*it;
    if (folded == nullptr && EqualFold(it.key(), name)) folded = &*it;
  }
  return (folded != nullptr && !folded->is_null()) ? folded : nullptr;
}

bool GetBytes(const Json& obj, std::string_view name, std::string* out) {
  const Json* v = Field(obj, name);
  if (v == nullptr) return true;
  if (!v->is_string()) return false;
  auto raw = Base64Decode(v->get_ref<const std::string&>());
  if (!raw.ok()) return false;
  *out = std::move(raw).value();
  return true;
}

template <typename T>
bool GetInt(const Json& obj, std::string_view name, T* out) {
  const Json* v = Field(obj, name);
  if (v == nullptr) return true;
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) return false;
    *out = static_cast<T>(u);
    return true;
  }
  if (!v->is_number_integer()) return false;
  int64_t i = v->get<int64_t>();
  if (i < static_cast<int64_t>(std::numeric_limits<T>::min())) return false;
  *out = static_cast<T>(i);
  return true;
}

Status CheckKeySize(std::string_view what, const std::string& key) {
  if (key.size() != kKeySize) {
    return InvalidArgument(std::string(what) + " must be " +
                           std::to_string(kKeySize) + " bytes, not " +
                           std::to_string(key.size()));
  }
  return Status::Ok();
}

}  // namespace

Keyring Keyring::Generate() {
  Key key;
  key.term = 1;
  key.version = 1;
  key.value = RandomBytes(kKeySize);
  key.install_time = FormatRfc3339(std::chrono::system_clock::now());
  auto k = Make(RandomBytes(kKeySize), {std::move(key)});
  VK_CHECK(k.ok());
  return std::move(k).value();
}

Result<Keyring> Keyring::Make(std::string root_key, std::vector<Key> keys,
                              RotationConfig rotation) {
  VK_RETURN_IF_ERROR(CheckKeySize("the root key", root_key));
  if (keys.empty()) return InvalidArgument("a keyring needs at least one key");
  Keyring k;
  k.root_key_ = std::move(root_key);
  k.rotation_ = rotation;
  for (Key& key : keys) {
    std::string term = std::to_string(key.term);
    if (key.term == 0) return InvalidArgument("key term 0 is not valid");
    VK_RETURN_IF_ERROR(CheckKeySize("the key for term " + term, key.value));
    if (key.install_time.empty()) key.install_time = kGoZeroTime;
    if (k.keys_.count(key.term) != 0) {
      return InvalidArgument("the keyring has two keys for term " + term);
    }
    k.active_term_ = std::max(k.active_term_, key.term);
    k.keys_.emplace(key.term, std::move(key));
  }
  return k;
}

const Key* Keyring::KeyForTerm(uint32_t term) const {
  auto it = keys_.find(term);
  return it == keys_.end() ? nullptr : &it->second;
}

std::string Keyring::EncodeJson() const {
  Json keys = Json::array();
  for (const auto& [term, key] : keys_) {
    Json k = Json::object();
    k["Term"] = key.term;
    k["Version"] = key.version;
    k["Value"] = Base64Encode(key.value);
    k["InstallTime"] = key.install_time;
    if (key.encryptions != 0) k["encryptions"] = key.encryptions;
    keys.push_back(std::move(k));
  }
  Json j = Json::object();
  j["MasterKey"] = Base64Encode(root_key_);
  j["Keys"] = std::move(keys);
  j["RotationConfig"] = Json{{"Disabled", rotation_.disabled},
                             {"MaxOperations", rotation_.max_operations},
                             {"Interval", rotation_.interval_ns}};
  return j.dump();
}

Result<Keyring> Keyring::DecodeJson(std::string_view json) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not JSON");
  if (!j.is_object()) return Bad("not a JSON object");
  std::string root_key;
  if (!GetBytes(j, "MasterKey", &root_key)) return Bad("bad MasterKey");
  RotationConfig rotation;
  if (const Json* rc = Field(j, "RotationConfig")) {
    if (!rc->is_object()) return Bad("RotationConfig is not an object");
    const Json* disabled = Field(*rc, "Disabled");
    if (disabled != nullptr) {
      if (!disabled->is_boolean()) return Bad("bad RotationConfig.Disabled");
      rotation.disabled = disabled->get<bool>();
    }
    if (!GetInt(*rc, "MaxOperations", &rotation.max_operations) ||
        !GetInt(*rc, "Interval", &rotation.interval_ns)) {
      return Bad("bad RotationConfig");
    }
  }
  std::vector<Key> keys;
  if (const Json* ks = Field(j, "Keys")) {
    if (!ks->is_array()) return Bad("Keys is not an array");
    for (const Json& kj : *ks) {
      if (!kj.is_object()) return Bad("a key is not an object");
      Key key;
      key.install_time.clear();
      if (!GetInt(kj, "Term", &key.term) ||
          !GetInt(kj, "Version", &key.version) ||
          !GetBytes(kj, "Value", &key.value) ||
          !GetInt(kj, "Encryptions", &key.encryptions)) {
        return Bad("a key has a field of the wrong type");
      }
      if (const Json* t = Field(kj, "InstallTime")) {
        if (!t->is_string() ||
            !ParseRfc3339(t->get_ref<const std::string&>()).ok()) {
          return Bad("bad InstallTime");
        }
        key.install_time = t->get<std::string>();
      }
      keys.push_back(std::move(key));
    }
  }
  auto k = Make(std::move(root_key), std::move(keys), rotation);
  if (!k.ok()) return Bad(k.status().message());
  return k;
}

}  // namespace vk::barrier
