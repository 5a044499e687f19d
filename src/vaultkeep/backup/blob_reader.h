// StreamContent: writes a file's content (its data blobs, in order) to a
// sink, with worker threads fetching and opening blobs ahead of the writer.
//
// Blobs that sit back to back in one pack are fetched with one ranged read
// (a Vault snapshot imported in one go has its chunks in pack order), and
// every blob is checked (MAC, decompression, SHA-256 = its ID) before any
// of its bytes reach the sink, so a damaged repository never emits
// unverified data. Memory is bounded by the read-ahead window.
#ifndef VAULTKEEP_BACKUP_BLOB_READER_H_
#define VAULTKEEP_BACKUP_BLOB_READER_H_

#include <string>
#include <vector>

#include "kit/base/byte_stream.h"
#include "vaultkeep/repo/repository.h"

namespace vk::backup {

struct StreamOptions {
  int threads = 0;               // 0: one per core, at least 2
  size_t max_segment = 1 << 20;  // bytes fetched by one ranged read
  size_t window_segments = 0;    // 0: 2 per thread + 2
};

// `what` names the file in errors ("state.bin").
Status StreamContent(repo::Repository& repo,
                     const std::vector<Sha256Digest>& content,
                     std::string_view what, ByteSink& out,
                     const StreamOptions& options = {});

// Loads a small file's content whole (manifests, meta.json, key files);
// kFailedPrecondition if it is larger than `limit`.
Result<std::string> LoadContent(repo::Repository& repo,
                                const std::vector<Sha256Digest>& content,
                                std::string_view what, size_t limit);

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_BLOB_READER_H_
