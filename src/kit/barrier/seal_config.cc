#include "kit/barrier/seal_config.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace vk::barrier {
namespace {

using Json = nlohmann::ordered_json;

Status Bad(std::string_view what) {
  return Corruption("seal configuration is not valid: " + std::string(what));
}

// Go decodes a JSON integer into an int field; null leaves it unchanged.
bool GetInt(const Json& obj, const char* name, int* out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_number_integer()) return false;
  if (it->is_number_unsigned()) {
    uint64_t u = it->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
      return false;
    }
    *out = static_cast<int>(u);
    return true;
  }
  int64_t v = it->get<int64_t>();
  if (v < std::numeric_limits<int>::min()) return false;
  *out = static_cast<int>(v);
  return true;
}

bool GetString(const Json& obj, const char* name, std::string* out) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

}  // namespace

std::string EncodeSealConfig(const SealConfig& config) {
  Json j = Json::object();
  j["type"] = config.type;
  j["secret_shares"] = config.secret_shares;
  j["secret_threshold"] = config.secret_threshold;
  j["pgp_keys"] = nullptr;
  j["nonce"] = config.nonce;
  j["backup"] = false;
  j["stored_shares"] = config.stored_shares;
  return j.dump();
}

Result<SealConfig> DecodeSealConfig(std::string_view json) {
  Json j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("not JSON");
  if (!j.is_object()) return Bad("not a JSON object");
  SealConfig c;
  c.type.clear();
  c.stored_shares = 0;
  if (!GetString(j, "type", &c.type)) return Bad("type is not a string");
  if (!GetInt(j, "secret_shares", &c.secret_shares) ||
      !GetInt(j, "secret_threshold", &c.secret_threshold) ||
      !GetInt(j, "stored_shares", &c.stored_shares)) {
    return Bad("a share count is not an integer");
  }
  if (!GetString(j, "nonce", &c.nonce)) return Bad("nonce is not a string");
  auto pgp = j.find("pgp_keys");
  if (pgp != j.end() && !pgp->is_null() && !pgp->is_array()) {
    return Bad("pgp_keys is not an array");
  }
  auto backup = j.find("backup");
  if (backup != j.end() && !backup->is_null() && !backup->is_boolean()) {
    return Bad("backup is not a boolean");
  }
  if (c.type.empty()) c.type = "shamir";
  return c;
}

Status ValidateSealConfig(const SealConfig& c) {
  if (c.secret_shares < 1)
    return InvalidArgument("shares must be at least one");
  if (c.secret_threshold < 1) {
    return InvalidArgument("threshold must be at least one");
  }
  if (c.secret_shares > 1 && c.secret_threshold == 1) {
    return InvalidArgument(
        "threshold must be greater than one for multiple shares");
  }
  if (c.secret_shares > 255) {
    return InvalidArgument("shares must be less than 256");
  }
  if (c.secret_threshold > 255) {
    return InvalidArgument("threshold must be less than 256");
  }
  if (c.secret_threshold > c.secret_shares) {
    return InvalidArgument("threshold cannot be larger than shares");
  }
  if (c.stored_shares > 1) {
    return InvalidArgument("stored keys cannot be larger than 1");
  }
  return Status::Ok();
}

}  // namespace vk::barrier
