// Polynomials over GF(2) of degree < 64, as restic's `config` stores its
// chunker polynomial. restic refuses to open a repository whose polynomial
// is not irreducible, even though it never re-chunks what others wrote, so
// `init` must pick a random irreducible polynomial of degree 53 as restic
// does.
#ifndef VAULTKEEP_REPO_POLYNOMIAL_H_
#define VAULTKEEP_REPO_POLYNOMIAL_H_

#include <cstdint>
#include <functional>

namespace vk::repo {

int PolyDegree(uint64_t p);  // -1 for the zero polynomial
// Ben-Or's test: p is irreducible iff gcd(x^(2^i) - x mod p, p) = 1 for
// every i in 1..deg(p)/2.
bool PolyIrreducible(uint64_t p);
// Draws random 64-bit words from `next` until one, cut to degree 53 with
// the constant term set, is irreducible (about one in 53 is).
uint64_t RandomIrreducible53(const std::function<uint64_t()>& next);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_POLYNOMIAL_H_
