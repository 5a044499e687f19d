#include "vaultkeep/repo/key_file.h"

#include <nlohmann/json.hpp>

#include "kit/base/strings.h"
#include "kit/crypto/aead.h"

namespace vk::repo {
namespace {

using nlohmann::json;

Result<std::string> B64Field(const json& j, const char* name, size_t want) {
  if (!j.contains(name) || !j[name].is_string()) {
    return Corruption(std::string("key is missing field ") + name);
  }
  auto v = Base64Decode(j[name].get<std::string>());
  if (!v.ok() || (want != 0 && v->size() != want)) {
    return Corruption(std::string("key field ") + name + " is malformed");
  }
  return std::move(*v);
}

}  // namespace

std::string EncodeKeyFile(const KeyFile& k) {
  nlohmann::ordered_json j;
  j["created"] = k.created;
  j["username"] = k.username;
  j["hostname"] = k.hostname;
  j["kdf"] = k.kdf;
  j["N"] = k.params.n;
  j["r"] = k.params.r;
  j["p"] = k.params.p;
  j["salt"] = Base64Encode(k.salt);
  j["data"] = Base64Encode(k.data);
  return j.dump();
}

Result<KeyFile> ParseKeyFile(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Corruption("key file is not a JSON object");
  }
  KeyFile k;
  auto str = [&](const char* name) {
    return j.contains(name) && j[name].is_string() ? j[name].get<std::string>()
                                                   : std::string();
  };
  k.created = str("created");
  k.username = str("username");
  k.hostname = str("hostname");
  k.kdf = str("kdf");
  if (k.kdf != "scrypt") {
    return Corruption("key file uses unsupported KDF \"" + k.kdf + "\"");
  }
  for (const char* f : {"N", "r", "p"}) {
    if (!j.contains(f) || !j[f].is_number_unsigned()) {
      return Corruption(std::string("key file has no valid scrypt ") + f);
    }
  }
  k.params.n = j["N"].get<uint64_t>();
  k.params.r = j["r"].get<uint32_t>();
  k.params.p = j["p"].get<uint32_t>();
  VK_ASSIGN_OR_RETURN(k.salt, B64Field(j, "salt", kSaltSize));
  VK_ASSIGN_OR_RETURN(k.data, B64Field(j, "data", 0));
  return k;
}

std::string EncodeMasterKey(const crypto::ResticKey& key) {
  nlohmann::ordered_json j;
  j["mac"]["k"] = Base64Encode(key.mac_k);
  j["mac"]["r"] = Base64Encode(key.mac_r);
  j["encrypt"] = Base64Encode(key.encrypt);
  return j.dump();
}

Result<crypto::ResticKey> ParseMasterKey(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("mac") ||
      !j["mac"].is_object()) {
    return Corruption("master key is not valid JSON");
  }
  crypto::ResticKey k;
  VK_ASSIGN_OR_RETURN(k.mac_k, B64Field(j["mac"], "k", 16));
  VK_ASSIGN_OR_RETURN(k.mac_r, B64Field(j["mac"], "r", 16));
  VK_ASSIGN_OR_RETURN(k.encrypt, B64Field(j, "encrypt", 32));
  return k;
}

Result<KeyFile> WrapMasterKey(const crypto::ResticKey& master,
                              std::string_view password,
                              crypto::ScryptParams params, KeyFile identity) {
  KeyFile k = std::move(identity);
  k.kdf = "scrypt";
  k.params = params;
  k.salt = RandomBytes(kSaltSize);
  VK_ASSIGN_OR_RETURN(
      crypto::ResticKey user,
      crypto::DeriveResticKey(password, AsBytes(k.salt), params));
  k.data = crypto::ResticSeal(user, AsBytes(EncodeMasterKey(master)));
  return k;
}

Result<crypto::ResticKey> UnwrapMasterKey(const KeyFile& key,
                                          std::string_view password) {
  VK_ASSIGN_OR_RETURN(
      crypto::ResticKey user,
      crypto::DeriveResticKey(password, AsBytes(key.salt), key.params));
  auto plain = crypto::ResticOpen(user, AsBytes(key.data));
  if (!plain.ok()) return PermissionDenied("wrong password for this key");
  return ParseMasterKey(*plain);
}

}  // namespace vk::repo
