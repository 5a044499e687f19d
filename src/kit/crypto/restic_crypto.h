// restic's authenticated encryption and key derivation (repository format
// v2; ../shared/reference/restic-format.md §A.2):
//
//   sealed = IV(16) || AES-256-CTR(encrypt, IV, plaintext) || MAC(16)
//   MAC    = Poly1305 over the ciphertext only, one-time key r || AES-128_k(IV)
//
// r is kept unclamped (Poly1305 clamps it internally, as in Go and OpenSSL).
// User keys come from scrypt(password, salt(64), N, r, p) -> 64 bytes:
// [0:32] encrypt, [32:48] k, [48:64] r. No I/O; keys never appear in errors.
#ifndef KIT_CRYPTO_RESTIC_CRYPTO_H_
#define KIT_CRYPTO_RESTIC_CRYPTO_H_

#include <cstdint>
#include <string>

#include "kit/base/byte_stream.h"

namespace vk::crypto {

inline constexpr size_t kResticIvSize = 16;
inline constexpr size_t kResticMacSize = 16;
inline constexpr size_t kResticOverhead = kResticIvSize + kResticMacSize;

struct ResticKey {
  std::string encrypt;  // 32 bytes, AES-256-CTR
  std::string mac_k;    // 16 bytes, AES-128 key for the Poly1305 nonce
  std::string mac_r;    // 16 bytes, Poly1305 r (unclamped)

  static ResticKey Random();
  bool valid() const {
    return encrypt.size() == 32 && mac_k.size() == 16 && mac_r.size() == 16;
  }
};

// Encrypts with a fresh random IV.
std::string ResticSeal(const ResticKey& key, ByteSpan plaintext);
// Same, with a given IV (tests and known-answer vectors only).
std::string ResticSealWithIv(const ResticKey& key, ByteSpan iv,
                             ByteSpan plaintext);
// Checks the MAC, then decrypts. kCorruption if the MAC does not match
// (wrong key or damaged data) or the input is shorter than 32 bytes.
Result<std::string> ResticOpen(const ResticKey& key, ByteSpan sealed);

struct ScryptParams {
  uint64_t n = 32768;
  uint32_t r = 8;
  uint32_t p = 1;
};

// scrypt -> the 64-byte user key, split as restic splits it. Refuses
// parameters whose memory need exceeds 1 GiB (a hostile key file).
Result<ResticKey> DeriveResticKey(std::string_view password, ByteSpan salt,
                                  ScryptParams params);

}  // namespace vk::crypto

#endif  // KIT_CRYPTO_RESTIC_CRYPTO_H_
