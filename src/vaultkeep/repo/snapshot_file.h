// restic snapshot files (`snapshots/<id>`, an unpacked file; restic-format.md
// §A.4), e.g. as restic 0.14 writes them:
//   {"time":"2026-11-28T05:52:12.945549095Z","parent":"<64 hex>",
//    "tree":"<64 hex>","paths":["/src"],"hostname":"vm","username":"root",
//    "excludes":["*.tmp"],"tags":["a","b"]}
// compact, no trailing newline. EncodeSnapshotFile writes the same bytes as
// restic for the same values (field order, `omitempty`, Go escaping).
#ifndef VAULTKEEP_REPO_SNAPSHOT_FILE_H_
#define VAULTKEEP_REPO_SNAPSHOT_FILE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"
#include "kit/crypto/sha256.h"

namespace vk::repo {

struct SnapshotFile {
  std::string time;     // RFC 3339 with nanoseconds, as stored
  Sha256Digest tree{};  // root tree blob
  std::optional<Sha256Digest> parent;
  std::vector<std::string> paths;  // always written; [] when empty
  // Omitted from JSON when empty / zero (Go `omitempty`).
  std::string hostname, username;
  uint32_t uid = 0, gid = 0;
  std::vector<std::string> excludes, tags;
  std::optional<Sha256Digest> original;  // set by `restic rewrite` and `tag`
  std::string program_version;           // restic 0.17+
  // restic 0.17+ backup statistics, kept as stored (key order included);
  // null if absent. Written as is when not null.
  nlohmann::ordered_json summary;
  // Keys not modeled above, in stored order, written after summary; null or
  // an empty object if none. restic itself drops unknown keys when it
  // rewrites a snapshot, so keep our own metadata out of here.
  nlohmann::ordered_json extra;

  bool operator==(const SnapshotFile&) const = default;
};

// Compact JSON in restic's field order: time parent tree paths hostname
// username uid gid excludes tags original program_version summary [extra].
std::string EncodeSnapshotFile(const SnapshotFile& snapshot);

// kCorruption ("snapshot file: ...") on malformed JSON, a missing or invalid
// time (must parse as RFC 3339), tree (64 hex digits) or paths (a list of
// strings), or an optional field of the wrong type.
Result<SnapshotFile> DecodeSnapshotFile(std::string_view json);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_SNAPSHOT_FILE_H_
