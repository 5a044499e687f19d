// Arithmetic in GF(2^8) with the AES/Rijndael polynomial x^8+x^4+x^3+x+1
// (0x11B), the field Vault's Shamir implementation uses (reference §6).
//
// Multiplication is a fixed eight-round shift-and-add with masks instead of
// branches or log/exp tables, so its timing and memory accesses do not
// depend on the (secret) operands. Inversion is a^254 by a fixed chain of
// squarings and multiplications; it maps 0 to 0.
#ifndef KIT_SHAMIR_GF256_H_
#define KIT_SHAMIR_GF256_H_

#include <cstdint>

namespace vk::shamir::gf256 {

constexpr uint8_t Add(uint8_t a, uint8_t b) { return a ^ b; }

constexpr uint8_t Mul(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  for (int i = 0; i < 8; ++i) {
    r ^= static_cast<uint8_t>(a & -(b & 1));
    uint8_t carry = static_cast<uint8_t>(-(a >> 7));
    a = static_cast<uint8_t>((a << 1) ^ (0x1B & carry));
    b >>= 1;
  }
  return r;
}

// a^254 = a^-1 for a != 0 (the multiplicative group has order 255).
constexpr uint8_t Inverse(uint8_t a) {
  uint8_t sq = Mul(a, a);  // a^2
  uint8_t r = sq;          // accumulates a^(2+4+...+128) = a^254
  for (int i = 0; i < 6; ++i) {
    sq = Mul(sq, sq);  // a^4, a^8, ..., a^128
    r = Mul(r, sq);
  }
  return r;
}

// a / b; the caller guarantees b != 0.
constexpr uint8_t Div(uint8_t a, uint8_t b) { return Mul(a, Inverse(b)); }

}  // namespace vk::shamir::gf256

#endif  // KIT_SHAMIR_GF256_H_
