// Raft snapshot archives in and out of the store (reference §1.1-§1.3, §2).
//
// Out: the store's read view becomes a Vault archive streamed to a sink,
// SHA256SUMS.sealed sealed with the node's Shamir KEK (BlobInfo, wrapped=true
// as Vault >= 1.15 writes it).
//
// In: the archive is read and verified in one pass while state.bin streams
// into a restore file beside the live store; nothing live changes until the
// whole archive has verified (gzip, tar, SHA256SUMS and, unless forced, the
// sealed hashes opened with this node's KEK). The caller then commits.
#ifndef MINIVAULT_CORE_SNAPSHOT_IO_H_
#define MINIVAULT_CORE_SNAPSHOT_IO_H_

#include <memory>
#include <string_view>

#include "kit/base/byte_stream.h"
#include "kit/snapshot/meta.h"
#include "minivault/fsm/store.h"

namespace vk::minivault {

// Vault's 400 text when the sealed hashes do not open with a Shamir seal.
inline constexpr char kSealedHashesMismatch[] =
    "could not verify hash file, possibly the snapshot is using a different "
    "set of unseal keys; use the snapshot-force API to bypass this check";

Status WriteArchive(fsm::Store::Snapshot& snapshot, std::string_view kek,
                    ByteSink& out);

struct StagedRestore {
  std::unique_ptr<fsm::Store::PendingRestore> pending;
  snapshot::SnapshotMeta meta;
};

// Fails with kPermissionDenied (message kSealedHashesMismatch) when the
// sealed hashes are missing or do not open with `kek` (Vault's "different
// unseal keys" case), kCorruption for any other defect of the archive,
// including sealed hashes that open but list other digests. The store is
// unchanged on failure.
Result<StagedRestore> StageRestore(fsm::Store& store, ByteSource& body,
                                   std::string_view kek, bool force);

}  // namespace vk::minivault

#endif  // MINIVAULT_CORE_SNAPSHOT_IO_H_
