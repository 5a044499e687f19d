// Vault-like storage content for test archives: a deterministic stream of
// (key, value) records, sorted by key as Vault's BoltDB cursor emits them,
// laid out like a real cluster's physical storage (core/..., logical/<uuid>/
// KV v2 versions and metadata, sys/expire/id/..., sys/policy/...,
// sys/token/...), with values shaped like barrier-encrypted entries
// (4-byte term, version byte 0x02, 12-byte nonce, ciphertext and tag of
// random bytes that do not compress).
//
// Every record is a pure function of (seed, index), so the generator can
// walk the same stream twice: once to learn state.bin's size for the tar
// header, once to write it. Memory use is constant.
#ifndef VAULTKEEP_TOOLS_GEN_SNAPSHOT_VAULT_LAYOUT_H_
#define VAULTKEEP_TOOLS_GEN_SNAPSHOT_VAULT_LAYOUT_H_

#include <cstdint>
#include <functional>
#include <string>

namespace vk::gen {

// SplitMix64: tiny, fast, and identical on every platform (unlike the
// standard library's distributions), so a seed names the same archive
// everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  void Fill(std::string* out, size_t n);  // appends n random bytes
  void Hex(std::string* out, size_t n);   // appends n lowercase hex digits

 private:
  uint64_t s_;
};

uint64_t Mix(uint64_t a, uint64_t b);
uint64_t HashKey(uint64_t seed, std::string_view key);

// Appends a barrier-shaped value with `body` ciphertext bytes.
void AppendBarrierValue(Rng& rng, size_t body, std::string* out);

// Enumerates the records of a fresh cluster with about `records` entries.
// Calls fn(key, value) in key order.
void ForEachRecord(uint64_t seed, uint64_t records,
                   const std::function<void(std::string_view key,
                                            std::string_view value)>& fn);

// Average record size (bytes in state.bin) of ForEachRecord's layout, used
// to turn a target size into a record count.
double EstimatedRecordSize();

}  // namespace vk::gen

#endif  // VAULTKEEP_TOOLS_GEN_SNAPSHOT_VAULT_LAYOUT_H_
