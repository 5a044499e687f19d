// vaultkeep.json: what a vaultkeep snapshot holds, stored beside the
// unpacked archive (docs/repository-format.md, "Vault snapshots").
//
// It records what the original archive was (entry order, sizes, SHA-256 of
// every entry, tar mtime, gzip framing) so that `dump` can rebuild an
// archive whose entries hash to the original SHA256SUMS and check it did,
// and the Vault facts (`index`, `term`, cluster configuration) that
// `snapshots` shows without reading state.bin.
//
// The tree layout under the snapshot's one path:
//   /vault/vaultkeep.json
//   /vault/archive/{meta.json,state.bin,SHA256SUMS[,SHA256SUMS.sealed]}
//   /vault/keys/<escrowed key files>            (when keys are escrowed)
// so that `restic restore` output turns back into a .snap with
//   tar -C <target>/vault/archive -cf - meta.json state.bin SHA256SUMS
//       SHA256SUMS.sealed | gzip > vault.snap   (one line)
#ifndef VAULTKEEP_BACKUP_MANIFEST_H_
#define VAULTKEEP_BACKUP_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "kit/crypto/sha256.h"

namespace vk::backup {

inline constexpr char kTopDir[] = "vault";
inline constexpr char kSnapshotPath[] = "/vault";
inline constexpr char kArchiveDir[] = "archive";
inline constexpr char kKeysDir[] = "keys";
inline constexpr char kManifestName[] = "vaultkeep.json";
inline constexpr char kManifestFormat[] = "vaultkeep/manifest";
inline constexpr int kManifestVersion = 1;

struct ManifestEntry {
  std::string name;
  uint64_t size = 0;
  Sha256Digest sha256{};
};

// Facts about the live cluster a backup was taken from (absent for an
// imported .snap file: `captured` is false then).
struct ClusterFacts {
  bool captured = false;
  std::string cluster_id;
  std::string cluster_name;
  std::string vault_version;
  std::string leader_addr;    // the active node the snapshot came from
  uint64_t leader_index = 0;  // its raft committed index before the stream
  std::string seal_type;      // "shamir", ...
  int shares = 0;             // seal-status n
  int threshold = 0;          // seal-status t
  std::string key_prefix;     // unsealer key prefix the keys were read with
  std::string key_store;      // where they came from, e.g. "directory /x"
  std::vector<std::string> peers;  // raft node IDs at backup time
};

// What the offline check of the escrowed unseal keys found at backup time
// (vaultkeep/ops/key_check.h); absent (`checked` false) for backups without
// keys and for manifests written before the check existed.
struct KeyCheckRecord {
  bool checked = false;
  std::string verdict;  // "proven", "unverified" or "unusable"
  int threshold = 0;
  int distinct = 0;                   // distinct valid shares escrowed
  std::vector<std::string> usable;    // key names to unseal with, best first
  std::vector<std::string> problems;  // one sentence each, naming the key
  std::string summary;
};

// Wall-clock of the stages, seconds.
struct Timings {
  std::string started;  // RFC 3339
  double find_leader = 0;
  double keys = 0;
  double snapshot = 0;  // stream + verify + store
  double total = 0;
  int attempts = 0;  // snapshot attempts (leader changes retry)
};

struct Manifest {
  std::string tool_version;
  std::string source;  // where the archive came from (file name, "-", API)
  // Vault facts from meta.json.
  std::string vault_snapshot_id;
  uint64_t index = 0;
  uint64_t term = 0;
  uint64_t records = 0;
  int raft_servers = 0;
  // The original archive.
  std::vector<ManifestEntry> entries;  // in the archive's order
  int64_t tar_mtime = 0;
  uint64_t compressed_size = 0;
  uint64_t tar_size = 0;
  uint64_t gzip_members = 0;
  bool sealed = false;  // SHA256SUMS.sealed present and non-empty
  // How state.bin was chunked.
  uint64_t chunk_average = 0;
  bool record_aligned = false;
  std::vector<std::string> keys;  // escrowed key file names under keys/
  ClusterFacts cluster;
  Timings timings;
  KeyCheckRecord key_check;

  const ManifestEntry* Find(std::string_view name) const;
};

std::string EncodeManifest(const Manifest& m);
// kCorruption on malformed JSON or an unknown format; kFailedPrecondition
// for a newer manifest version than this build reads.
Result<Manifest> DecodeManifest(std::string_view json);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_MANIFEST_H_
