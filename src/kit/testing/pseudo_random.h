// Deterministic pseudo-random bytes (xorshift64) for tests: a test can
// regenerate what it sent or expects from the seed. Not for keys.
#ifndef KIT_TESTING_PSEUDO_RANDOM_H_
#define KIT_TESTING_PSEUDO_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace vk {

inline std::string PseudoRandom(size_t n, uint64_t seed) {
  std::string out(n, '\0');
  uint64_t x = seed | 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x >> 24);
  }
  return out;
}

}  // namespace vk

#endif  // KIT_TESTING_PSEUDO_RANDOM_H_
