// The repository index: which pack holds each blob, at which offset and
// length (restic-format.md §A.4). Index files are JSON
//   {"packs":[{"id":"<pack>","blobs":[{"id","type","offset","length",
//                                      "uncompressed_length"?}]}]}
// stored as unpacked files. A blob may be listed in several packs or index
// files; the first one loaded wins.
#ifndef VAULTKEEP_REPO_INDEX_H_
#define VAULTKEEP_REPO_INDEX_H_

#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vaultkeep/repo/pack.h"

namespace vk::repo {

struct IndexEntry {
  std::string pack_id;  // hex
  PackedBlob blob;
};

using PackBlobs = std::pair<std::string, std::vector<PackedBlob>>;

// restic starts a new index file after this many blobs; files stay small
// enough to parse with bounded memory.
inline constexpr size_t kIndexMaxBlobs = 50000;

// Memory: a few tens of bytes per blob (pack IDs are interned), so the
// index of a repository holding many GiB of 8 KiB chunks stays small.
class Index {
 public:
  // Returns false if the blob was already indexed (kept as it was).
  bool Add(const std::string& pack_id, const PackedBlob& blob);
  bool Has(BlobType type, const Sha256Digest& id) const {
    return entries_.count(BlobKey{id, type}) > 0;
  }
  std::optional<IndexEntry> Find(BlobType type, const Sha256Digest& id) const;
  void Remove(BlobType type, const Sha256Digest& id) {
    entries_.erase(BlobKey{id, type});
  }
  size_t size() const { return entries_.size(); }
  // Every indexed blob, in no particular order.
  std::vector<IndexEntry> Entries() const;

  // Adds every blob of an index file. kCorruption on malformed JSON.
  Status Merge(std::string_view json);

  static std::string Encode(const std::vector<PackBlobs>& packs);
  // Groups packs into index files of at most kIndexMaxBlobs blobs each (a
  // pack is never split; one larger than the limit gets a file alone).
  static std::vector<std::vector<PackBlobs>> SplitForFiles(
      std::vector<PackBlobs> packs);
  // The map key of a blob: type tag + raw ID.
  static std::string Key(BlobType type, const Sha256Digest& id);

 private:
  struct BlobKey {
    Sha256Digest id;
    BlobType type;
    bool operator==(const BlobKey&) const = default;
  };
  struct BlobKeyHash {
    size_t operator()(const BlobKey& k) const {
      size_t h;
      std::memcpy(&h, k.id.data(), sizeof h);  // IDs are uniform already
      return h ^ static_cast<size_t>(k.type);
    }
  };
  struct Slot {
    uint32_t pack;  // index into pack_ids_
    uint32_t offset, length, uncompressed_length;
  };
  std::vector<std::string> pack_ids_;
  std::unordered_map<std::string, uint32_t> pack_numbers_;
  std::unordered_map<BlobKey, Slot, BlobKeyHash> entries_;
};

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_INDEX_H_
