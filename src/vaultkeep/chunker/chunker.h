// Content-defined chunking for the repository (docs/repository-format.md,
// "Chunking"): a FastCDC-style gear-hash chunker with normalized chunking,
// keyed by a repository secret so chunk boundaries (and so chunk sizes) do
// not leak content to someone who can see pack sizes.
//
// Record-aligned mode is for Vault's state.bin: the caller announces where
// records end (RecordScanner knows each record's length from its prefix),
// and a content-defined cut point is moved forward to the end of the record
// it falls in. A changed record then dirties only the chunk that holds it,
// never a neighbour's, and chunks restore to whole records. A record longer
// than the hard limit is cut inside, at the limit.
//
// The chunker is a push parser: Feed() any piece sizes, Finish() at the end;
// chunks are handed to the callback in order as owned strings, so they can
// move to worker threads without a copy.
#ifndef VAULTKEEP_CHUNKER_CHUNKER_H_
#define VAULTKEEP_CHUNKER_CHUNKER_H_

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "kit/base/byte_stream.h"
#include "kit/base/result.h"

namespace vk::chunker {

// Average chunk sizes accepted by the CLI: powers of two in this range.
inline constexpr size_t kMinAverage = 4 << 10;
inline constexpr size_t kMaxAverage = 64 << 10;
// Default average. Vault values are encrypted, so a changed record dirties
// its whole chunk; smaller chunks dedup better (bench/RESULTS.md, "Chunk
// size") at ~70 bytes of pack/index overhead per chunk.
inline constexpr size_t kDefaultAverage = 8 << 10;

struct Params {
  size_t min_size = 0;  // no cut before this many bytes
  size_t avg_size = 0;  // power of two; normalized chunking centres here
  size_t max_size = 0;  // content-defined cut forced here
  // Record-aligned mode only: a cut point waits for its record's end until
  // the chunk reaches this size.
  size_t hard_max_size = 0;
};

// min = avg/4, max = 4*avg, hard max = 64*avg. kInvalidArgument unless
// `avg` is a power of two in [kMinAverage, kMaxAverage].
Result<Params> ParamsForAverage(size_t avg);

// 256 pseudo-random 64-bit words drawn from a 32-byte secret.
class GearTable {
 public:
  static GearTable FromSecret(ByteSpan secret);
  uint64_t operator[](uint8_t b) const { return t_[b]; }

 private:
  std::array<uint64_t, 256> t_{};
};

class Chunker {
 public:
  using Emit = std::function<Status(std::string chunk)>;

  // `gear` must outlive the chunker.
  Chunker(const GearTable* gear, const Params& params, bool record_aligned,
          Emit emit);

  // Record-aligned mode: `end` is the stream offset just past a record.
  // Announce boundaries in increasing order, before (or while) the bytes up
  // to them are fed.
  void AddBoundary(uint64_t end);
  Status Feed(ByteSpan data);
  // Emits the last (possibly short) chunk. An empty stream emits nothing.
  Status Finish();

  uint64_t offset() const { return start_ + (buf_.size() - head_); }
  uint64_t chunks() const { return chunks_; }

 private:
  // Length of the content-defined cut in buf_[head_..), or 0 if none yet.
  size_t FindCut();
  Status EmitPrefix(size_t n);

  const GearTable* gear_;
  Params p_;
  uint64_t mask_s_, mask_l_;
  bool aligned_;
  Emit emit_;

  std::string buf_;  // buf_[head_..] is the current, unfinished chunk
  size_t head_ = 0;
  uint64_t start_ = 0;  // stream offset of buf_[head_]
  size_t scanned_ = 0;  // bytes of the current chunk already hashed
  uint64_t hash_ = 0;
  size_t cut_ = 0;  // aligned mode: content-defined cut found, waiting
  std::deque<uint64_t> boundaries_;
  uint64_t chunks_ = 0;
};

}  // namespace vk::chunker

#endif  // VAULTKEEP_CHUNKER_CHUNKER_H_
