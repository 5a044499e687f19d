// `check`: verifies a repository's structure the way `restic check` does
// (restic-format.md §A.3, checker.go), collecting every problem instead of
// stopping at the first:
//   - every index file loads (name = SHA-256, MAC, encoding, JSON);
//   - every pack under data/ has a valid header that matches the index
//     exactly (same blobs, types, offsets, lengths, uncompressed lengths),
//     its size is what the index implies, and the index lays the blobs out
//     without gaps or overlaps; a pack no index names is a warning (prune
//     removes it), an indexed pack that does not exist is an error;
//   - every snapshot file loads and parses, every tree reachable from a
//     snapshot loads and parses, and every blob a tree names is indexed;
//   - every key file parses as a key file and is named by its SHA-256;
//   - with read_data: every pack hashes to its name and every blob in it
//     decrypts, decompresses and hashes to its ID.
// Problems go into the report (one sentence each, naming the file or ID);
// only a failure to read the repository at all (e.g. listing fails) is
// returned as an error Status.
#ifndef VAULTKEEP_BACKUP_CHECK_H_
#define VAULTKEEP_BACKUP_CHECK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "vaultkeep/repo/repository.h"

namespace vk::backup {

struct CheckOptions {
  bool read_data = false;
  // Called (on the calling thread) with the bytes read since the last call.
  std::function<void(uint64_t)> on_bytes_read;
};

// What an error of the report is, for callers (and tests) that act on the
// kind of damage rather than on the sentence.
enum class CheckProblem {
  kBadName,       // a file not named as its directory requires
  kKeyFile,       // a key file that is too large, damaged or not a key file
  kIndexFile,     // an index file that does not load or parse
  kPackMissing,   // a pack an index names that does not exist
  kPackHeader,    // a pack header that cannot be read or is damaged
  kPackMismatch,  // a pack's header, size or layout disagrees with the index
  kPackData,      // read_data: a blob that does not open, a pack that does
                  // not hash to its name
  kSnapshotFile,  // a snapshot file that does not load or parse
  kTree,          // a tree not in the index, not loadable or malformed
  kBlobMissing,   // a data blob a tree names that is not in the index
};

struct CheckReport {
  std::vector<std::string> errors;        // damage: check fails
  std::vector<CheckProblem> error_kinds;  // error_kinds[i] is errors[i]'s
  std::vector<std::string> warnings;      // e.g. unreferenced packs
  uint64_t index_files = 0;
  uint64_t packs = 0;                  // pack files found under data/
  uint64_t blobs = 0;                  // distinct blobs in the index
  uint64_t blobs_read = 0;             // blobs opened and hashed (read_data)
  uint64_t snapshots = 0;              // snapshot files found
  uint64_t trees = 0;                  // distinct trees loaded
  uint64_t data_blobs_referenced = 0;  // distinct, from file nodes
  uint64_t key_files = 0;
  uint64_t bytes_read = 0;
  bool ok() const { return errors.empty(); }
  // How many errors are of `kind`.
  size_t Count(CheckProblem kind) const;
};

// The caller holds a lock (check only reads, so a shared one suffices) and
// has opened `repo` (which loaded `config`). The repository's own index
// (Repository::LoadIndex) is not used or changed: check loads every index
// file itself so that one bad file does not hide the others.
Result<CheckReport> CheckRepository(repo::Repository& repo,
                                    const CheckOptions& options);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_CHECK_H_
