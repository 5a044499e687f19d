// ArchiveWriter: streams a Vault raft snapshot archive that is structurally
// identical to Vault's (reference §2.7): gzip framed as Go frames it, USTAR
// entries meta.json, state.bin, SHA256SUMS[, SHA256SUMS.sealed] in that
// order, mode 0600, uid/gid 0, empty uname/gname, one shared mtime, PAX size
// record for a state.bin of 8 GiB or more, two zero blocks at the end.
//
// Every entry can be fed as a stream, so a restore can rebuild an archive
// from a repository without a temporary file. Sizes must be known up front
// (tar headers precede data): state.bin's size is meta.json's Size.
//
// Pair assertion: if the caller supplies SHA256SUMS (e.g. the original
// archive's bytes), the writer checks it against the hashes of what it just
// wrote and fails rather than emit an archive Vault would reject.
#ifndef KIT_SNAPSHOT_ARCHIVE_WRITER_H_
#define KIT_SNAPSHOT_ARCHIVE_WRITER_H_

#include <memory>
#include <optional>
#include <string>

#include "kit/base/byte_stream.h"
#include "kit/compress/gzip_sink.h"
#include "kit/crypto/sha256.h"
#include "kit/snapshot/hash_list.h"
#include "kit/snapshot/meta.h"
#include "kit/snapshot/tar.h"

namespace vk::snapshot {

struct WriteOptions {
  int gzip_level = GzipSink::kDefaultLevel;  // 0..9
  int64_t mtime = -1;  // -1: now, rounded to the nearest second (as Go)
  uint64_t max_octal_size = tar::kMaxOctalSize;  // tests lower it
};

class ArchiveWriter {
 public:
  // `out` must outlive the writer; Finish() does not close it.
  static Result<std::unique_ptr<ArchiveWriter>> Create(ByteSink* out,
                                                       WriteOptions options);

  // Writes meta.json verbatim (it must parse; its Size fixes state.bin's
  // length). Use EncodeMeta() to produce Vault's exact bytes.
  Status WriteMeta(std::string_view meta_json);
  Status WriteState(ByteSpan data);
  Status WriteStateFrom(ByteSource& source);
  // WriteState as a ByteSink, for producers that write into a sink; it
  // lives as long as the writer, and closing it does not end the state.
  ByteSink& state_sink() { return state_sink_; }
  Status EndState();
  // Writes SHA256SUMS: `sums` if given (verified against what was written),
  // otherwise generated from the computed hashes.
  Status WriteSums(std::optional<std::string_view> sums = std::nullopt);
  Status WriteSealed(std::string_view sealed);
  // Ends the tar and the gzip member.
  Status Finish();

  const HashList& hashes() const { return hashes_; }
  // The SHA256SUMS text written (after WriteSums).
  const std::string& sums() const { return sums_; }

 private:
  enum class Stage { kMeta, kState, kSums, kSealed, kDone };
  ArchiveWriter(std::unique_ptr<GzipSink> gz, tar::WriterOptions topt);
  Status SmallEntry(const char* name, std::string_view data);

  class StateSink final : public ByteSink {
   public:
    explicit StateSink(ArchiveWriter* w) : w_(w) {}
    Status Write(ByteSpan data) override { return w_->WriteState(data); }
    Status Close() override { return Status::Ok(); }

   private:
    ArchiveWriter* w_;
  };

  StateSink state_sink_{this};
  std::unique_ptr<GzipSink> gz_;
  tar::Writer tar_;
  Stage stage_ = Stage::kMeta;
  bool state_open_ = false;
  uint64_t state_size_ = 0;
  Sha256 state_hash_;
  HashList hashes_;
  std::string sums_;
};

}  // namespace vk::snapshot

#endif  // KIT_SNAPSHOT_ARCHIVE_WRITER_H_
