// DumpArchive: writes the Vault archive a snapshot holds as a .snap stream,
// with no temporary file.
//
// vaultkeep layout: the archive is rebuilt with ArchiveWriter (Vault's
// entry order and framing, the original tar mtime) from the stored
// entries; every blob is verified before its bytes are written, each
// entry's SHA-256 and size are checked against the manifest, and the
// original SHA256SUMS bytes are written only after they match what was
// emitted. Stash layout: backup.snap's bytes are streamed as stored, each
// blob verified and the total length checked against the tree; the archive
// inside is what Stash stored (pipe it to `vaultkeep verify -` to check it).
//
// On any failure the status says what is wrong; the caller must discard
// what was written (the CLI writes -o files atomically and only commits on
// success).
#ifndef VAULTKEEP_BACKUP_DUMP_H_
#define VAULTKEEP_BACKUP_DUMP_H_

#include "kit/base/byte_stream.h"
#include "vaultkeep/backup/blob_reader.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/repo/repository.h"

namespace vk::backup {

struct DumpOptions {
  // Vault accepts any gzip framing; its values are ciphertext that gzip
  // cannot shrink (~5 %), so stored blocks (0) are the default: the dump
  // runs at copy speed.
  int gzip_level = 0;
  StreamOptions stream;
};

struct DumpResult {
  uint64_t bytes = 0;  // written to the sink
  BackupLayout layout = BackupLayout::kVaultkeep;
};

Result<DumpResult> DumpArchive(repo::Repository& repo, const VaultBackup& b,
                               ByteSink* out, const DumpOptions& options);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_DUMP_H_
