// ReadArchive: streaming reader and verifier of Vault raft snapshot archives
// (reference §2, §3). One pass over the input, memory bounded by a few
// buffers whatever the archive size.
//
// It enforces everything Vault's own reader checks and what `vault
// operator raft snapshot save` forgets to: gzip integrity to the last byte
// (CRC-32, ISIZE, nothing after the stream), tar structure (checksums,
// end-of-archive marker, only zero padding after it), exactly the entry set
// Vault accepts with no duplicates and regular files only, the 8 KiB caps on
// meta.json / SHA256SUMS / SHA256SUMS.sealed, meta.json parsed with Size
// equal to the length of state.bin, SHA256SUMS (either line order) checked
// against the real bytes, every state.bin record well-formed and in bounds,
// and a non-empty SHA256SUMS.sealed unless the caller allows its absence.
//
// The first failure is returned as kCorruption with one sentence naming the
// entry and what was expected vs found. A visitor sees the data as it
// streams; whoever stores it must not commit anything until ReadArchive has
// returned OK.
#ifndef KIT_SNAPSHOT_ARCHIVE_READER_H_
#define KIT_SNAPSHOT_ARCHIVE_READER_H_

#include <optional>
#include <string>
#include <vector>

#include "kit/base/byte_stream.h"
#include "kit/compress/gzip_source.h"
#include "kit/snapshot/hash_list.h"
#include "kit/snapshot/meta.h"
#include "kit/snapshot/records.h"
#include "kit/snapshot/sealed.h"

namespace vk::snapshot {

inline constexpr char kMetaName[] = "meta.json";
inline constexpr char kStateName[] = "state.bin";
inline constexpr char kSumsName[] = "SHA256SUMS";
inline constexpr char kSealedName[] = "SHA256SUMS.sealed";
// Vault reads the small entries with a cap and fails at 8192 bytes.
inline constexpr uint64_t kSmallEntryLimit = 8192;

struct ReadOptions {
  // Require a non-empty SHA256SUMS.sealed (Vault's client uses its presence
  // to detect truncation). Off only for archives made without seal access.
  bool require_sealed = true;
  InflateEngine engine = InflateEngine::kZlib;
  // Inflate on a second thread while this one parses and hashes.
  bool read_ahead = true;
  RecordScanner::Options records;
};

// Callbacks as the archive streams past. Any non-OK return aborts the read
// with that status.
class ArchiveVisitor {
 public:
  virtual ~ArchiveVisitor() = default;
  // meta.json, SHA256SUMS and SHA256SUMS.sealed, whole (each < 8 KiB).
  virtual Status OnSmallEntry(const std::string& name, std::string_view data) {
    (void)name;
    (void)data;
    return Status::Ok();
  }
  // Called before the first OnStateData with state.bin's size.
  virtual Status OnStateBegin(uint64_t size) {
    (void)size;
    return Status::Ok();
  }
  virtual Status OnStateData(ByteSpan data) {
    (void)data;
    return Status::Ok();
  }
  virtual Status OnRecord(const StateRecord& record) {
    (void)record;
    return Status::Ok();
  }
};

struct ArchiveInfo {
  SnapshotMeta meta;
  std::string meta_json;                // exact bytes
  std::string sums;                     // exact SHA256SUMS bytes
  std::optional<std::string> sealed;    // exact bytes, if present
  std::optional<BlobInfo> sealed_blob;  // if it parses as a BlobInfo
  HashList hashes;                      // computed over the real bytes
  std::vector<std::string> entry_order;
  uint64_t state_size = 0;
  uint64_t records = 0;
  uint64_t compressed_size = 0;
  uint64_t tar_size = 0;  // uncompressed stream, padding included
  uint64_t gzip_members = 0;
  int64_t mtime = 0;  // of the first entry
};

Result<ArchiveInfo> ReadArchive(ByteSource& compressed,
                                const ReadOptions& options,
                                ArchiveVisitor* visitor = nullptr);

}  // namespace vk::snapshot

#endif  // KIT_SNAPSHOT_ARCHIVE_READER_H_
