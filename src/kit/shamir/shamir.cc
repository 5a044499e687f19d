#include "kit/shamir/shamir.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "kit/crypto/aead.h"
#include "kit/shamir/gf256.h"

namespace vk::shamir {
namespace {

// A CSPRNG Fisher-Yates shuffle of 1..255; the first `parts` entries become
// the x coordinates. Indices come from rejection sampling of random bytes so
// the shuffle has no modulo bias; one batch of random bytes almost always
// suffices.
std::array<uint8_t, 255> ShuffledXCoordinates() {
  std::array<uint8_t, 255> xs;
  for (int i = 0; i < 255; ++i) xs[i] = static_cast<uint8_t>(i + 1);
  std::string pool;
  size_t next = 0;
  auto random_below = [&](int n) {    // uniform in [0, n), 0 < n <= 256
    const int limit = 256 - 256 % n;  // largest multiple of n <= 256
    for (;;) {
      if (next == pool.size()) {
        pool = RandomBytes(512);
        next = 0;
      }
      int v = static_cast<uint8_t>(pool[next++]);
      if (v < limit) return v % n;
    }
  };
  for (int i = 254; i > 0; --i) std::swap(xs[i], xs[random_below(i + 1)]);
  return xs;
}

// Horner evaluation of c[0] + c[1] x + ... + c[d] x^d.
uint8_t Evaluate(const std::string& coeffs, uint8_t x) {
  uint8_t y = 0;
  for (size_t i = coeffs.size(); i-- > 0;) {
    y = gf256::Add(gf256::Mul(y, x), static_cast<uint8_t>(coeffs[i]));
  }
  return y;
}

}  // namespace

Result<std::vector<std::string>> Split(std::string_view secret, int parts,
                                       int threshold) {
  if (parts < threshold) {
    return InvalidArgument("parts cannot be less than threshold");
  }
  if (parts > 255) return InvalidArgument("parts cannot exceed 255");
  if (threshold < 2) return InvalidArgument("threshold must be at least 2");
  if (threshold > 255) return InvalidArgument("threshold cannot exceed 255");
  if (secret.empty()) return InvalidArgument("cannot split an empty secret");

  const std::array<uint8_t, 255> xs = ShuffledXCoordinates();
  std::vector<std::string> out(parts, std::string(secret.size() + 1, '\0'));
  for (int p = 0; p < parts; ++p) out[p].back() = static_cast<char>(xs[p]);

  std::string coeffs(threshold, '\0');
  for (size_t i = 0; i < secret.size(); ++i) {
    coeffs[0] = secret[i];
    std::string random = RandomBytes(threshold - 1);
    std::memcpy(coeffs.data() + 1, random.data(), random.size());
    std::memset(random.data(), 0, random.size());
    for (int p = 0; p < parts; ++p) {
      out[p][i] = static_cast<char>(Evaluate(coeffs, xs[p]));
    }
  }
  std::memset(coeffs.data(), 0, coeffs.size());
  return out;
}

Result<std::string> Combine(const std::vector<std::string>& parts) {
  if (parts.size() < 2) {
    return InvalidArgument(
        "less than two parts cannot be used to reconstruct the secret");
  }
  const size_t len = parts[0].size();
  if (len < 2) return InvalidArgument("parts must be at least two bytes");
  for (const std::string& p : parts) {
    if (p.size() != len) {
      return InvalidArgument("all parts must be the same length");
    }
  }
  std::array<bool, 256> seen{};
  std::vector<uint8_t> xs(parts.size());
  for (size_t i = 0; i < parts.size(); ++i) {
    xs[i] = static_cast<uint8_t>(parts[i].back());
    if (seen[xs[i]]) return InvalidArgument("duplicate part detected");
    seen[xs[i]] = true;
  }

  // The Lagrange basis polynomials at 0 depend only on the x coordinates:
  // l_i(0) = prod_{j != i} x_j / (x_i - x_j), and subtraction is XOR. A
  // part with x = 0 (never produced by Split) makes every other l_i zero
  // and its own y the answer, as interpolation demands.
  std::vector<uint8_t> basis(parts.size(), 1);
  for (size_t i = 0; i < parts.size(); ++i) {
    for (size_t j = 0; j < parts.size(); ++j) {
      if (i == j) continue;
      basis[i] =
          gf256::Mul(basis[i], gf256::Div(xs[j], gf256::Add(xs[i], xs[j])));
    }
  }

  std::string secret(len - 1, '\0');
  for (size_t b = 0; b + 1 < len; ++b) {
    uint8_t acc = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      acc = gf256::Add(acc,
                       gf256::Mul(static_cast<uint8_t>(parts[i][b]), basis[i]));
    }
    secret[b] = static_cast<char>(acc);
  }
  return secret;
}

}  // namespace vk::shamir
