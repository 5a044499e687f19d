// Vault's AES-GCM barrier value format and the storage paths minivault keeps
// its core state under (reference §3). This header is the module's
// umbrella: it also brings in the keyring, the stored (seal-wrapped) root
// key and the seal config.
//
// A barrier value is
//   [4-byte big-endian key term][version 0x02][12-byte random nonce]
//   [AES-256-GCM ciphertext || 16-byte tag]
// with the full storage path as AAD (version 0x01, which Vault still reads,
// has no AAD). So a value copied to another path does not decrypt.
#ifndef KIT_BARRIER_BARRIER_H_
#define KIT_BARRIER_BARRIER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "kit/barrier/keyring.h"
#include "kit/barrier/seal_config.h"
#include "kit/barrier/stored_keys.h"
#include "kit/base/result.h"

namespace vk::barrier {

// The keyring, encrypted with the root key (see SealKeyring).
constexpr std::string_view kKeyringPath = "core/keyring";
// A barrier-encrypted copy of the Shamir KEK (written with Encrypt).
constexpr std::string_view kShamirKekPath = "core/shamir-kek";

constexpr uint8_t kAesGcmVersion1 = 0x01;  // no AAD; read only
constexpr uint8_t kAesGcmVersion2 = 0x02;  // AAD = storage path
// term + version + nonce + tag.
constexpr size_t kValueOverhead = 4 + 1 + 12 + 16;

// Encrypts `plaintext` for storage at `path` with the keyring's active key.
// kFailedPrecondition if the keyring has no active key.
Result<std::string> Encrypt(const Keyring& keyring, std::string_view path,
                            std::string_view plaintext);
// Decrypts a value read from `path`. kCorruption for a value shorter than
// kValueOverhead, an unknown version byte, a term the keyring lacks, and
// ("decryption failed: cipher: message authentication failed") a wrong key,
// wrong path or tampered bytes.
Result<std::string> Decrypt(const Keyring& keyring, std::string_view path,
                            std::string_view value);

// The key term a stored value was written with (its first four bytes).
Result<uint32_t> ValueTerm(std::string_view value);

// core/keyring: the keyring JSON encrypted in the value format above with
// the ROOT key, AAD "core/keyring" and, as Vault writes it, always term 1
// (Vault refuses any other term there: "term mis-match").
Result<std::string> SealKeyring(const Keyring& keyring);
// Opens core/keyring with a root key. A wrong root key fails with
// kCorruption ("... message authentication failed"): that is how a node
// notices that storage now holds another cluster's data (reference §4).
Result<Keyring> OpenKeyring(std::string_view root_key, std::string_view stored);

}  // namespace vk::barrier

#endif  // KIT_BARRIER_BARRIER_H_
