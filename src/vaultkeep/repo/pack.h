// restic pack files (restic-format.md §A.3):
//   EncBlob_1 ‖ … ‖ EncBlob_n ‖ EncHeader ‖ HeaderLength(u32 LE)
// Each EncBlob is a sealed blob (zstd frame first, for compressed types);
// the header lists, in file order, one entry per blob:
//   type 0/1 (data/tree):                 type ‖ len u32 ‖ id[32]      (37 B)
//   type 2/3 (compressed data/tree):      type ‖ len u32 ‖ ulen u32 ‖ id (41 B)
// Offsets are implicit (running sum). A pack is named by the SHA-256 of its
// bytes. Packs are built in memory: they are bounded by the pack-size
// target (16 MiB default), and a whole pack is what Storage::Put takes.
#ifndef VAULTKEEP_REPO_PACK_H_
#define VAULTKEEP_REPO_PACK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "kit/crypto/restic_crypto.h"
#include "kit/crypto/sha256.h"

namespace vk::repo {

enum class BlobType { kData, kTree };

std::string_view BlobTypeName(BlobType t);  // "data" / "tree"

struct PackedBlob {
  Sha256Digest id;  // SHA-256 of the plaintext
  BlobType type = BlobType::kData;
  uint32_t offset = 0;
  uint32_t length = 0;               // stored (encrypted) length
  uint32_t uncompressed_length = 0;  // 0: stored uncompressed
};

inline constexpr uint32_t kMaxHeaderSize = 16 * 1024 * 1024 + 4;

// A blob ready for a pack: sealed (and compressed first when
// uncompressed_length != 0). Sealing is the expensive part and runs on
// worker threads; appending to a pack is cheap and runs on one.
struct SealedBlob {
  BlobType type = BlobType::kData;
  Sha256Digest id;
  std::string sealed;
  uint32_t uncompressed_length = 0;
};

// zstd at `level` (3 is restic's "auto"); the frame is kept only when it
// saves at least 1/32 of the bytes, otherwise the blob is sealed raw.
SealedBlob SealBlob(const crypto::ResticKey& key, BlobType type,
                    const Sha256Digest& id, ByteSpan plaintext, bool compress,
                    int level = 3);

class PackWriter {
 public:
  explicit PackWriter(const crypto::ResticKey* key) : key_(key) {}

  // Seals `plaintext` (zstd-compressed first when `compress`) and appends
  // it. Blobs must stay below 4 GiB (u32 lengths); callers keep them far
  // smaller.
  void Add(BlobType type, const Sha256Digest& id, ByteSpan plaintext,
           bool compress);
  void AddSealed(SealedBlob blob);
  // Drops everything added since the last Finish.
  void Discard() {
    data_.clear();
    blobs_.clear();
  }
  size_t size() const { return data_.size(); }
  size_t count() const { return blobs_.size(); }
  const std::vector<PackedBlob>& blobs() const { return blobs_; }

  // Appends the sealed header and its length; returns the pack bytes. The
  // writer is empty afterwards.
  std::string Finish();

 private:
  const crypto::ResticKey* key_;
  std::string data_;
  std::vector<PackedBlob> blobs_;
};

// Packs live in data/<first two hex digits of the ID>/<ID>.
inline constexpr char kDataDir[] = "data";
std::string PackKey(std::string_view pack_id);

// Parses a pack's header given the whole pack. Checks the header length,
// the MAC, the entry encoding, and that the blobs exactly fill the space
// before the header (restic's check rejects gaps and trailing bytes).
Result<std::vector<PackedBlob>> ParsePack(const crypto::ResticKey& key,
                                          ByteSpan pack);
// The same checks given only the pack's last `tail.size()` bytes (at least
// the header and its 4-byte length; the whole pack works too) and its total
// size, so a checker need not read the blobs. kCorruption as ParsePack.
// Read the last min(pack_size, N) bytes; if the length field asks for more
// than was read, PackHeaderSpan says how much to read.
Result<std::vector<PackedBlob>> ParsePackTail(const crypto::ResticKey& key,
                                              uint64_t pack_size,
                                              ByteSpan tail);
// How many trailing bytes hold the header and its length, from the pack's
// last 4 bytes; kCorruption if that does not fit a pack of `pack_size`.
Result<uint64_t> PackHeaderSpan(uint64_t pack_size, ByteSpan last4);

// Opens one stored blob: MAC, decryption, decompression (when
// uncompressed_length is set), then the SHA-256 must equal `id`. A caller
// that hashes many blobs at once (Sha256Batch) passes check_id = false and
// must compare the IDs itself, reporting BlobIdMismatch.
Result<std::string> OpenBlob(const crypto::ResticKey& key,
                             const PackedBlob& blob, ByteSpan stored,
                             bool check_id = true);
Status BlobIdMismatch(const PackedBlob& blob);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_PACK_H_
