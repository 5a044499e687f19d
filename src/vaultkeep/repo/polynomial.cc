#include "vaultkeep/repo/polynomial.h"

namespace vk::repo {
namespace {

uint64_t Mod(unsigned __int128 x, uint64_t p) {
  int dp = PolyDegree(p);
  for (int d = 127; d >= dp; --d) {
    if ((x >> d) & 1) x ^= static_cast<unsigned __int128>(p) << (d - dp);
  }
  return static_cast<uint64_t>(x);
}

uint64_t MulMod(uint64_t a, uint64_t b, uint64_t p) {
  unsigned __int128 r = 0;
  for (int i = 0; i < 64; ++i) {
    if ((b >> i) & 1) r ^= static_cast<unsigned __int128>(a) << i;
  }
  return Mod(r, p);
}

uint64_t Gcd(uint64_t a, uint64_t b) {
  while (b != 0) {
    a = Mod(a, b);
    std::swap(a, b);
  }
  return a;
}

}  // namespace

int PolyDegree(uint64_t p) { return p == 0 ? -1 : 63 - __builtin_clzll(p); }

bool PolyIrreducible(uint64_t p) {
  int d = PolyDegree(p);
  if (d < 1) return false;
  uint64_t x = 2;  // the polynomial "x"
  uint64_t power = x;
  for (int i = 1; i <= d / 2; ++i) {
    power = MulMod(power, power, p);  // x^(2^i) mod p
    if (Gcd(p, power ^ x) != 1) return false;
  }
  return true;
}

uint64_t RandomIrreducible53(const std::function<uint64_t()>& next) {
  for (;;) {
    uint64_t p = (next() & ((uint64_t{1} << 53) - 1)) | (uint64_t{1} << 53) | 1;
    if (PolyIrreducible(p)) return p;
  }
}

}  // namespace vk::repo
