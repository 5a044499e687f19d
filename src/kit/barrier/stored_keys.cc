#include "kit/barrier/stored_keys.h"

#include <nlohmann/json.hpp>

#include "kit/base/strings.h"
#include "kit/crypto/aead.h"
#include "kit/snapshot/sealed.h"

namespace vk::barrier {

Result<std::string> SealStoredKeys(std::string_view kek,
                                   std::string_view root_key) {
  nlohmann::json keys = nlohmann::json::array({Base64Encode(root_key)});
  return snapshot::SealWithKek(kek, keys.dump(), /*wrapped=*/false);
}

Result<std::string> OpenStoredKeys(std::string_view kek,
                                   std::string_view stored) {
  auto blob = snapshot::ParseBlobInfo(stored);
  if (!blob.ok() || blob->ciphertext.size() < kGcmNonceSize + kGcmTagSize) {
    return Corruption(std::string(kStoredKeysPath) +
                      " is not a valid sealed BlobInfo");
  }
  if (kek.size() != 32) return InvalidArgument(std::string(kInvalidKeyMessage));
  std::string_view ct = blob->ciphertext;
  auto plain = AesGcmOpen(AsBytes(kek), AsBytes(ct.substr(0, kGcmNonceSize)),
                          AsBytes(ct.substr(kGcmNonceSize)), ByteSpan());
  if (!plain.ok()) {
    if (plain.status().code() == StatusCode::kCorruption) {
      return InvalidArgument(std::string(kInvalidKeyMessage));
    }
    return plain.status();
  }
  auto bad = [] {
    return Corruption(std::string(kStoredKeysPath) +
                      " does not hold a JSON array of base64 keys");
  };
  nlohmann::json keys =
      nlohmann::json::parse(*plain, nullptr, /*allow_exceptions=*/false);
  if (keys.is_discarded() || !keys.is_array()) return bad();
  if (keys.empty()) {
    return Corruption(std::string(kStoredKeysPath) + " holds no keys");
  }
  if (!keys[0].is_string()) return bad();
  auto root = Base64Decode(keys[0].get_ref<const std::string&>());
  if (!root.ok()) return bad();
  return root;
}

}  // namespace vk::barrier
