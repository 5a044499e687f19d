#include "kit/crypto/sha256_batch.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <numeric>
#include <vector>

namespace vk {
namespace {

constexpr uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
constexpr uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
constexpr int kLanes = 8;

std::atomic<bool> force_scalar{false};

bool UseLanes() {
  static const bool ok = [] {
    __builtin_cpu_init();
    // With SHA-NI, OpenSSL's one-at-a-time path is faster.
    unsigned eax, ebx, ecx, edx;
    bool sha_ni = false;
    if (__builtin_cpu_supports("avx2")) {
      __asm__("cpuid"
              : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx)
              : "a"(7), "c"(0));
      sha_ni = (ebx >> 29) & 1;
    }
    return __builtin_cpu_supports("avx2") && !sha_ni;
  }();
  return ok && !force_scalar.load(std::memory_order_relaxed);
}

// One message's blocks: whole blocks from the data, then 1-2 padded blocks.
struct Lane {
  const uint8_t* data = nullptr;
  size_t full = 0;    // whole 64-byte blocks taken from data
  size_t total = 0;   // full + padded tail blocks
  uint8_t tail[128];  // padded tail
  const uint8_t* Block(size_t b) const {
    return b < full ? data + 64 * b : tail + 64 * (b - full);
  }
};

void PrepareLane(ByteSpan in, Lane* l) {
  l->data = in.data();
  l->full = in.size() / 64;
  size_t rem = in.size() % 64;
  size_t tail_blocks = rem + 9 <= 64 ? 1 : 2;
  std::memset(l->tail, 0, sizeof l->tail);
  if (rem) std::memcpy(l->tail, in.data() + 64 * l->full, rem);
  l->tail[rem] = 0x80;
  uint64_t bits = static_cast<uint64_t>(in.size()) * 8;
  uint8_t* end = l->tail + 64 * tail_blocks;
  for (int i = 1; i <= 8; ++i)
    end[-i] = static_cast<uint8_t>(bits >> (8 * (i - 1)));
  l->total = l->full + tail_blocks;
}

#define VK_AVX2 __attribute__((target("avx2")))

VK_AVX2 inline __m256i Rotr(__m256i x, int n) {
  return _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - n));
}

VK_AVX2 inline __m256i Add(__m256i a, __m256i b) {
  return _mm256_add_epi32(a, b);
}

VK_AVX2 inline uint32_t LoadBe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}

// Hashes up to 8 messages in lockstep; lanes beyond `n` repeat lane 0.
VK_AVX2 void HashLanes(Lane* lanes, int n, Sha256Digest* const* out) {
  __m256i s[8];
  for (int i = 0; i < 8; ++i)
    s[i] = _mm256_set1_epi32(static_cast<int>(kInit[i]));
  size_t blocks = 0;
  for (int i = 0; i < n; ++i) blocks = std::max(blocks, lanes[i].total);
  const uint8_t* ptr[kLanes];
  alignas(32) uint32_t words[kLanes];
  for (size_t b = 0; b < blocks; ++b) {
    for (int i = 0; i < kLanes; ++i) {
      const Lane& l = lanes[i < n ? i : 0];
      // A finished lane keeps hashing its last block; its result was taken.
      ptr[i] = l.Block(std::min(b, l.total - 1));
    }
    __m256i w[64];
    for (int t = 0; t < 16; ++t) {
      for (int i = 0; i < kLanes; ++i) words[i] = LoadBe32(ptr[i] + 4 * t);
      w[t] = _mm256_load_si256(reinterpret_cast<const __m256i*>(words));
    }
    for (int t = 16; t < 64; ++t) {
      __m256i x = w[t - 15], y = w[t - 2];
      __m256i s0 = _mm256_xor_si256(_mm256_xor_si256(Rotr(x, 7), Rotr(x, 18)),
                                    _mm256_srli_epi32(x, 3));
      __m256i s1 = _mm256_xor_si256(_mm256_xor_si256(Rotr(y, 17), Rotr(y, 19)),
                                    _mm256_srli_epi32(y, 10));
      w[t] = Add(Add(w[t - 16], s0), Add(w[t - 7], s1));
    }
    __m256i a = s[0], bb = s[1], c = s[2], d = s[3], e = s[4], f = s[5],
            g = s[6], h = s[7];
    for (int t = 0; t < 64; ++t) {
      __m256i S1 = _mm256_xor_si256(_mm256_xor_si256(Rotr(e, 6), Rotr(e, 11)),
                                    Rotr(e, 25));
      __m256i ch =
          _mm256_xor_si256(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g));
      __m256i t1 = Add(Add(Add(h, S1), Add(ch, w[t])),
                       _mm256_set1_epi32(static_cast<int>(kK[t])));
      __m256i S0 = _mm256_xor_si256(_mm256_xor_si256(Rotr(a, 2), Rotr(a, 13)),
                                    Rotr(a, 22));
      __m256i maj = _mm256_or_si256(
          _mm256_and_si256(a, bb), _mm256_and_si256(c, _mm256_or_si256(a, bb)));
      __m256i t2 = Add(S0, maj);
      h = g;
      g = f;
      f = e;
      e = Add(d, t1);
      d = c;
      c = bb;
      bb = a;
      a = Add(t1, t2);
    }
    s[0] = Add(s[0], a);
    s[1] = Add(s[1], bb);
    s[2] = Add(s[2], c);
    s[3] = Add(s[3], d);
    s[4] = Add(s[4], e);
    s[5] = Add(s[5], f);
    s[6] = Add(s[6], g);
    s[7] = Add(s[7], h);
    for (int i = 0; i < n; ++i) {
      if (lanes[i].total != b + 1) continue;
      alignas(32) uint32_t v[kLanes];
      for (int k = 0; k < 8; ++k) {
        _mm256_store_si256(reinterpret_cast<__m256i*>(v), s[k]);
        uint32_t be = __builtin_bswap32(v[i]);
        std::memcpy(out[i]->data() + 4 * k, &be, 4);
      }
    }
  }
}

}  // namespace

bool Sha256BatchAccelerated() { return UseLanes(); }

void Sha256BatchForceScalarForTest(bool scalar) { force_scalar = scalar; }

void Sha256Batch(std::span<const ByteSpan> in, Sha256Digest* out) {
  if (!UseLanes() || in.size() < 2) {
    for (size_t i = 0; i < in.size(); ++i) out[i] = Sha256::Of(in[i]);
    return;
  }
  // Similar lengths share a group, so few lanes idle.
  std::vector<size_t> order(in.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return in[x].size() < in[y].size(); });
  Lane lanes[kLanes];
  Sha256Digest* dst[kLanes];
  for (size_t g = 0; g < order.size(); g += kLanes) {
    int n = static_cast<int>(std::min<size_t>(kLanes, order.size() - g));
    for (int i = 0; i < n; ++i) {
      PrepareLane(in[order[g + i]], &lanes[i]);
      dst[i] = &out[order[g + i]];
    }
    HashLanes(lanes, n, dst);
  }
}

}  // namespace vk
