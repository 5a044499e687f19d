// restic tree blobs (restic-format.md §A.4): one directory listing,
//   {"nodes":[{node},...]}\n
// stored as a tree-type blob whose ID is the SHA-256 of exactly these bytes.
// EncodeTree writes what restic 0.14 writes for the same nodes, byte for
// byte (field order, Go `omitempty`, Go string escaping), so a tree we make
// for the same directory gets the same ID and deduplicates with restic's.
#ifndef VAULTKEEP_REPO_TREE_H_
#define VAULTKEEP_REPO_TREE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"
#include "kit/base/status.h"
#include "kit/crypto/sha256.h"
#include "vaultkeep/repo/go_quote.h"

namespace vk::repo {

// Go os.FileMode type bits; a node's mode is these | permission bits (not
// the Unix st_mode). E.g. dir 0755 = 2147484141, symlink 0777 = 134218239.
inline constexpr uint32_t kGoModeDir = 1u << 31;
inline constexpr uint32_t kGoModeSymlink = 1u << 27;
inline constexpr uint32_t kGoModeDevice = 1u << 26;
inline constexpr uint32_t kGoModeNamedPipe = 1u << 25;
inline constexpr uint32_t kGoModeSocket = 1u << 24;
inline constexpr uint32_t kGoModeSetuid = 1u << 23;
inline constexpr uint32_t kGoModeSetgid = 1u << 22;
inline constexpr uint32_t kGoModeCharDevice = 1u << 21;
inline constexpr uint32_t kGoModeSticky = 1u << 20;
inline constexpr uint32_t kGoModeIrregular = 1u << 19;

// Go's zero time.Time, which restic writes for an unset mtime/atime/ctime.
inline constexpr std::string_view kGoZeroTime = "0001-01-01T00:00:00Z";

// One entry of a tree. Field names follow restic's JSON keys.
struct Node {
  std::string name;   // raw bytes (any byte string); Go-quoted only in JSON
  std::string type;   // file|dir|symlink|dev|chardev|fifo|socket|irregular
  uint32_t mode = 0;  // Go os.FileMode; omitted from JSON when 0
  // RFC 3339 exactly as stored; an empty string is written as kGoZeroTime.
  std::string mtime, atime, ctime;
  uint32_t uid = 0, gid = 0;  // always written
  // Omitted from JSON when empty / zero (Go `omitempty`).
  std::string user, group;
  uint64_t inode = 0, device_id = 0, size = 0, links = 0;
  std::string linktarget;
  // Data blob IDs in file order. Always written: nullopt is `null` (dirs,
  // symlinks, ...), an engaged empty vector is `[]`. An empty *file* must
  // have `[]`: `restic check` reports "file ... has nil blob list" for null.
  std::optional<std::vector<Sha256Digest>> content;
  std::optional<Sha256Digest> subtree;  // dirs only; omitted when nullopt
  // Keys of a decoded node that the fields above do not model
  // (linktarget_raw, extended_attributes, generic_attributes, device, error,
  // future ones), in their stored order; null or an empty object if none.
  // Encoding writes restic's known extras at restic's positions and the
  // rest at the end, so decode -> encode keeps every field. A key that
  // duplicates a modeled field is ignored by the encoder.
  nlohmann::ordered_json extra;

  bool operator==(const Node&) const = default;
};

// A file node: type "file", mode = `mode` (permissions, maybe setuid etc.),
// content = content_ids (engaged even when empty, see Node::content),
// atime = ctime = mtime.
Node FileNode(std::string name, uint64_t size,
              std::vector<Sha256Digest> content_ids, uint32_t mode = 0644,
              std::string mtime = {});
// A directory node: type "dir", mode = kGoModeDir | mode, content null,
// atime = ctime = mtime.
Node DirNode(std::string name, const Sha256Digest& subtree,
             uint32_t mode = 0755, std::string mtime = {});

// Sorts nodes by name in byte order, as a tree requires. kInvalidArgument
// if two nodes share a name (restic would reject the tree).
Status SortAndCheckNodes(std::vector<Node>& nodes);

// `{"nodes":[...]}` + "\n", compact, node fields in restic 0.14's order:
// name type mode mtime atime ctime uid gid user group inode device_id size
// links linktarget [linktarget_raw extended_attributes generic_attributes
// device] content subtree [error] [other extras]. Nodes are written in the
// given order; callers sort them first (SortAndCheckNodes).
std::string EncodeTree(const std::vector<Node>& nodes);

// Parses a tree blob. kCorruption ("tree blob: ...") on malformed JSON, a
// missing "nodes" list (null counts as empty, as in Go), a field of the
// wrong JSON type, a name that is not valid Go quoting, a bad time, an ID
// that is not 64 hex digits, or names that are not strictly increasing in
// byte order (restic's ErrTreeNotOrdered; this also rejects duplicates).
// Unknown top-level keys are ignored; node types are not validated here
// (that is `check`'s job).
Result<std::vector<Node>> DecodeTree(std::string_view json);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_TREE_H_
