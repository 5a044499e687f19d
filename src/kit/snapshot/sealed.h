// SHA256SUMS.sealed: the hash list encrypted with the seal and serialized
// as a go-kms-wrapping BlobInfo protobuf (reference §2.6):
//   1 ciphertext (bytes)  2 iv  3 hmac  4 wrapped (bool)  5 key_info (msg)
// For a Shamir seal the ciphertext is nonce(12) || AES-256-GCM(ct||tag) of
// the SHA256SUMS text, with no AAD and an empty iv.
#ifndef KIT_SNAPSHOT_SEALED_H_
#define KIT_SNAPSHOT_SEALED_H_

#include <optional>
#include <string>

#include "kit/base/result.h"

namespace vk::snapshot {

struct BlobInfo {
  std::string ciphertext;
  std::string iv;
  std::string hmac;
  bool wrapped = false;
  bool has_key_info = false;
  std::string key_id;  // key_info.key_id (field 3)
};

// Parses the protobuf; fails with kCorruption if it is not a BlobInfo.
Result<BlobInfo> ParseBlobInfo(std::string_view bytes);

// Encodes as Vault >= 1.15 does for a single Shamir seal:
// 0A <len> ciphertext, 20 01 (wrapped) when `wrapped`, 2A 00 (empty key_info).
std::string EncodeBlobInfo(const BlobInfo& blob);

// Seals `plaintext` (the SHA256SUMS text) with a 32-byte Shamir KEK. The
// nonce is random unless given (12 bytes; test data generators pass one to
// make archives reproducible).
Result<std::string> SealWithKek(std::string_view kek,
                                std::string_view plaintext, bool wrapped = true,
                                std::string_view nonce = {});
// Opens a sealed file with the KEK; kCorruption if it does not decrypt.
Result<std::string> OpenWithKek(std::string_view kek, std::string_view sealed);

}  // namespace vk::snapshot

#endif  // KIT_SNAPSHOT_SEALED_H_
