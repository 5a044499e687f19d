// AES-256-GCM as Vault's seals and barrier use it: a 12-byte random nonce,
// the 16-byte tag appended to the ciphertext. Keys never appear in errors.
#ifndef KIT_CRYPTO_AEAD_H_
#define KIT_CRYPTO_AEAD_H_

#include <string>

#include "kit/base/byte_stream.h"

namespace vk {

constexpr size_t kGcmNonceSize = 12;
constexpr size_t kGcmTagSize = 16;

// Returns ciphertext||tag. `key` must be 32 bytes, `nonce` 12.
Result<std::string> AesGcmSeal(ByteSpan key, ByteSpan nonce, ByteSpan plaintext,
                               ByteSpan aad);
// Fails with kCorruption ("message authentication failed") on a bad tag.
Result<std::string> AesGcmOpen(ByteSpan key, ByteSpan nonce,
                               ByteSpan ciphertext_and_tag, ByteSpan aad);

// Cryptographically secure random bytes (OpenSSL RAND_bytes).
std::string RandomBytes(size_t n);

}  // namespace vk

#endif  // KIT_CRYPTO_AEAD_H_
