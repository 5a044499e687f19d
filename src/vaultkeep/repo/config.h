// The repository `config` object (restic-format.md §A.4): JSON
// {"version":2,"id":"<64 hex>","chunker_polynomial":"<hex>"}, encrypted
// with the master key, never compressed (no version byte, even in v2).
#ifndef VAULTKEEP_REPO_CONFIG_H_
#define VAULTKEEP_REPO_CONFIG_H_

#include <cstdint>
#include <string>

#include "kit/base/result.h"

namespace vk::repo {

inline constexpr int kMinRepoVersion = 1;
inline constexpr int kMaxRepoVersion = 2;

struct RepoConfig {
  int version = 2;
  std::string id;  // 64 lowercase hex digits
  uint64_t chunker_polynomial = 0;
};

std::string EncodeConfig(const RepoConfig& config);
// Fails with kCorruption on bad JSON, a version outside 1..2, a missing id,
// or a polynomial that is not irreducible (restic refuses those too).
Result<RepoConfig> ParseConfig(std::string_view json);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_CONFIG_H_
