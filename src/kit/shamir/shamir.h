// Shamir secret sharing over GF(2^8), share-compatible with Vault's
// `shamir` package (reference §6): a share of an n-byte secret is n+1
// bytes, the y value for each secret byte followed by the share's x
// coordinate as the LAST byte. Shares written by Vault combine here and
// vice versa.
#ifndef KIT_SHAMIR_SHAMIR_H_
#define KIT_SHAMIR_SHAMIR_H_

#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk::shamir {

// Bytes a share adds to the secret's length (the x coordinate).
constexpr size_t kShareOverhead = 1;

// Splits `secret` into `parts` shares, any `threshold` of which recover it.
// Each secret byte is the constant term of its own random polynomial of
// degree threshold-1 (coefficients from the OS CSPRNG); the shares' x
// coordinates are distinct, non-zero and drawn by a CSPRNG shuffle of
// 1..255 (Vault uses math/rand here; OpenBao, like us, a CSPRNG).
// kInvalidArgument, with Vault's texts, unless 2 <= threshold <= parts <= 255
// and the secret is non-empty.
Result<std::vector<std::string>> Split(std::string_view secret, int parts,
                                       int threshold);

// Recovers the secret by Lagrange interpolation at x = 0 over ALL given
// parts (extra parts beyond the threshold are harmless; too few parts give
// a wrong value, which the caller detects by the key failing to decrypt).
// kInvalidArgument, with Vault's texts, for fewer than two parts, parts
// shorter than two bytes, parts of unequal length, or two parts with the
// same x coordinate ("duplicate part detected").
Result<std::string> Combine(const std::vector<std::string>& parts);

}  // namespace vk::shamir

#endif  // KIT_SHAMIR_SHAMIR_H_
