// Incremental SHA-256 over OpenSSL 3 (EVP). Not thread-safe; one per stream.
#ifndef KIT_CRYPTO_SHA256_H_
#define KIT_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "kit/base/byte_stream.h"

namespace vk {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(ByteSpan data);
  // Returns the digest and resets the hasher for reuse.
  Sha256Digest Finish();

  static Sha256Digest Of(ByteSpan data);

 private:
  void* ctx_;  // EVP_MD_CTX*
};

// Lowercase hex, as in SHA256SUMS.
std::string HexEncode(ByteSpan data);
inline std::string HexEncode(const Sha256Digest& d) {
  return HexEncode(ByteSpan(d.data(), d.size()));
}
// Accepts upper- or lowercase; fails on odd length or non-hex characters.
Result<std::string> HexDecode(std::string_view hex);

}  // namespace vk

#endif  // KIT_CRYPTO_SHA256_H_
