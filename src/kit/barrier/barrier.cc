#include "kit/barrier/barrier.h"

#include "kit/crypto/aead.h"

namespace vk::barrier {
namespace {

// Vault's barrier passes Go's crypto/cipher error through; clients and logs
// recognise this text.
constexpr std::string_view kAuthFailed =
    "decryption failed: cipher: message authentication failed";

Result<std::string> SealValue(std::string_view key, uint32_t term,
                              std::string_view path,
                              std::string_view plaintext) {
  std::string nonce = RandomBytes(kGcmNonceSize);
  auto ct = AesGcmSeal(AsBytes(key), AsBytes(nonce), AsBytes(plaintext),
                       AsBytes(path));
  if (!ct.ok()) return ct.status();
  std::string out;
  out.reserve(kValueOverhead + plaintext.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((term >> shift) & 0xff));
  }
  out.push_back(static_cast<char>(kAesGcmVersion2));
  out += nonce;
  out += *ct;
  return out;
}

// Checks the framing and returns the version byte.
Result<uint8_t> CheckFraming(std::string_view value) {
  if (value.size() < kValueOverhead) {
    return Corruption("barrier value is too short (" +
                      std::to_string(value.size()) + " bytes, need at least " +
                      std::to_string(kValueOverhead) + ")");
  }
  uint8_t version = static_cast<uint8_t>(value[4]);
  if (version != kAesGcmVersion1 && version != kAesGcmVersion2) {
    return Corruption("barrier value has unknown version byte " +
                      std::to_string(version));
  }
  return version;
}

Result<std::string> OpenValue(std::string_view key, std::string_view path,
                              std::string_view value) {
  VK_ASSIGN_OR_RETURN(uint8_t version, CheckFraming(value));
  std::string_view aad = version == kAesGcmVersion2 ? path : "";
  auto pt = AesGcmOpen(AsBytes(key), AsBytes(value.substr(5, kGcmNonceSize)),
                       AsBytes(value.substr(5 + kGcmNonceSize)), AsBytes(aad));
  if (!pt.ok() && pt.status().code() == StatusCode::kCorruption) {
    return Corruption(std::string(kAuthFailed));
  }
  return pt;
}

}  // namespace

Result<uint32_t> ValueTerm(std::string_view value) {
  if (value.size() < 4) return Corruption("barrier value is too short");
  uint32_t term = 0;
  for (int i = 0; i < 4; ++i) term = term << 8 | static_cast<uint8_t>(value[i]);
  return term;
}

Result<std::string> Encrypt(const Keyring& keyring, std::string_view path,
                            std::string_view plaintext) {
  const Key* key = keyring.KeyForTerm(keyring.active_term());
  if (key == nullptr) {
    return FailedPrecondition("the barrier keyring has no active key");
  }
  return SealValue(key->value, key->term, path, plaintext);
}

Result<std::string> Decrypt(const Keyring& keyring, std::string_view path,
                            std::string_view value) {
  VK_RETURN_IF_ERROR(CheckFraming(value).status());
  VK_ASSIGN_OR_RETURN(uint32_t term, ValueTerm(value));
  const Key* key = keyring.KeyForTerm(term);
  if (key == nullptr) {
    return Corruption("no decryption key available for term " +
                      std::to_string(term));
  }
  return OpenValue(key->value, path, value);
}

Result<std::string> SealKeyring(const Keyring& keyring) {
  return SealValue(keyring.root_key(), 1, kKeyringPath, keyring.EncodeJson());
}

Result<Keyring> OpenKeyring(std::string_view root_key,
                            std::string_view stored) {
  VK_RETURN_IF_ERROR(CheckFraming(stored).status());
  VK_ASSIGN_OR_RETURN(uint32_t term, ValueTerm(stored));
  if (term != 1) return Corruption("core/keyring: term mis-match");
  auto plain = OpenValue(root_key, kKeyringPath, stored);
  if (!plain.ok()) return plain.status().WithContext("core/keyring");
  return Keyring::DecodeJson(*plain);
}

}  // namespace vk::barrier
