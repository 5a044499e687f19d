// ImportArchive: stores a Vault raft snapshot archive (.snap) in a
// repository as one vaultkeep snapshot (layout in manifest.h).
//
// One streaming pass: the archive module inflates and verifies while
// state.bin is cut into record-aligned chunks that worker threads hash,
// compress when it pays, and seal. Nothing is recorded unless the whole
// archive verified: on any failure the packs this import wrote are removed
// and no index or snapshot file is written. On success the order is packs,
// then the index, then the snapshot file, so a crash at any point leaves no
// snapshot that refers to missing data.
//
// The caller holds a (non-exclusive) repository lock for the duration.
#ifndef VAULTKEEP_BACKUP_IMPORT_H_
#define VAULTKEEP_BACKUP_IMPORT_H_

#include <functional>
#include <string>
#include <vector>

#include "kit/snapshot/archive_reader.h"
#include "vaultkeep/backup/blob_pipeline.h"
#include "vaultkeep/backup/manifest.h"
#include "vaultkeep/repo/repository.h"

namespace vk::backup {

// An escrowed key file stored under keys/ (contents are secret).
struct EscrowFile {
  std::string name;
  std::string data;
};

struct ImportOptions {
  std::string time;  // RFC 3339; the snapshot's time
  std::string hostname;
  std::string username;
  std::vector<std::string> tags;
  std::string source;  // recorded in the manifest
  std::string tool_version;
  size_t chunk_average = 0;  // 0: chunker::kDefaultAverage
  bool compress = true;
  int threads = 0;  // 0: one per core
  snapshot::ReadOptions read;
  std::vector<EscrowFile> keys;
  // Recorded in the manifest as given.
  ClusterFacts cluster;
  Timings timings;
  // Called once the whole archive has verified and its data is in packs,
  // before anything that makes the snapshot visible (index, snapshot
  // file). An error records nothing, as for a bad archive: the live backup
  // uses it to confirm the leader did not change during the transfer. It
  // may amend the manifest (timings, the key check) and add tags.
  std::function<Status(const snapshot::ArchiveInfo&, Manifest*,
                       std::vector<std::string>* tags)>
      before_commit;
};

struct ImportResult {
  std::string snapshot_id;
  snapshot::ArchiveInfo archive;
  Manifest manifest;
  std::vector<std::string> tags;  // as recorded (before_commit may add)
  PipelineStats state;            // state.bin chunks
  uint64_t added_bytes = 0;       // pack bytes written (before index/snapshot)
};

Result<ImportResult> ImportArchive(repo::Repository& repo, ByteSource& snap,
                                   const ImportOptions& options);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_IMPORT_H_
