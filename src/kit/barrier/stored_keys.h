// core/hsm/barrier-unseal-keys: the root key, seal-wrapped with the Shamir
// KEK (reference §3, §6 steps 4-5). The plaintext is Go's JSON for a
// [][]byte holding the one root key, `["<base64 root key>"]`; it is
// encrypted as the Shamir wrapper does (AES-256-GCM, nonce || ct || tag, no
// AAD) and serialized as a BlobInfo with wrapped=false and an empty
// key_info: 0A <len> <ciphertext> 2A 00.
#ifndef KIT_BARRIER_STORED_KEYS_H_
#define KIT_BARRIER_STORED_KEYS_H_

#include <string>
#include <string_view>

#include "kit/base/result.h"

namespace vk::barrier {

constexpr std::string_view kStoredKeysPath = "core/hsm/barrier-unseal-keys";

// Vault's ErrInvalidKey text; the HTTP layer answers it with 400.
constexpr std::string_view kInvalidKeyMessage = "Unseal failed, invalid key";

Result<std::string> SealStoredKeys(std::string_view kek,
                                   std::string_view root_key);
// Returns the root key. A KEK that does not open the blob (wrong unseal
// shares, or a KEK that is not 32 bytes) fails with kInvalidArgument and
// kInvalidKeyMessage; a blob or JSON that does not parse, with kCorruption.
Result<std::string> OpenStoredKeys(std::string_view kek,
                                   std::string_view stored);

}  // namespace vk::barrier

#endif  // KIT_BARRIER_STORED_KEYS_H_
