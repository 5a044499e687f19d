// Builds Vault-like snapshot archives for tests and benchmarks: fresh ones
// from a seed, and "the next day's" snapshot derived from a previous one by
// rewriting, inserting and deleting given percentages of records. Output is
// deterministic for a given seed and input (including the sealed file's
// nonce and the tar mtime), streamed, and memory stays flat.
#ifndef VAULTKEEP_TOOLS_GEN_SNAPSHOT_GENERATOR_H_
#define VAULTKEEP_TOOLS_GEN_SNAPSHOT_GENERATOR_H_

#include <cstdint>
#include <string>

#include "kit/base/byte_stream.h"

namespace vk::gen {

struct ArchiveSettings {
  uint64_t seed = 1;
  int gzip_level = 6;
  int nodes = 3;       // raft servers in meta.json
  bool sealed = true;  // write SHA256SUMS.sealed
  int64_t mtime = 1700000000;
};

struct GenerateOptions {
  ArchiveSettings archive;
  uint64_t records = 0;       // used when non-zero
  uint64_t target_bytes = 0;  // otherwise: about this much state.bin
};

struct DeriveOptions {
  ArchiveSettings archive;
  std::string previous;  // path of the previous archive
  double rewrite_pct = 1.0;
  double insert_pct = 0.0;
  double delete_pct = 0.0;
};

struct GenerateResult {
  uint64_t records = 0;
  uint64_t state_bytes = 0;
  uint64_t index = 0;
  uint64_t rewritten = 0, inserted = 0, deleted = 0;
};

// The 32-byte Shamir KEK that seals archives made with `seed`.
std::string KekForSeed(uint64_t seed);

Result<GenerateResult> Generate(const GenerateOptions& options, ByteSink* out);
Result<GenerateResult> Derive(const DeriveOptions& options, ByteSink* out);

}  // namespace vk::gen

#endif  // VAULTKEEP_TOOLS_GEN_SNAPSHOT_GENERATOR_H_
