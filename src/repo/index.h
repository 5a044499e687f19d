// The repository index: which pack holds each blob, at which offset and
// length (restic-format.md §A.4). Index files are JSON
//   {"packs":[{"id":"<pack>","blobs":[{"id","type","offset","length",
//                                      "uncompressed_length"?}]}]}
// stored as unpacked files. A blob may be listed in several packs or index
// files; the first one loaded wins.
#ifndef VAULTKEEP_REPO_INDEX_H_
#define VAULTKEEP_REPO_INDEX_H_

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "repo/pack.h"

namespace vk::repo {

struct IndexEntry {
  std::string pack_id;  // hex
  PackedBlob blob;
};

using PackBlobs = std::pair<std::string, std::vector<PackedBlob>>;

class Index {
 public:
  // Returns false if the blob was already indexed (kept as it was).
  bool Add(const std::string& pack_id, const PackedBlob& blob);
  const IndexEntry* Find(BlobType type, const Sha256Digest& id) const;
  void Remove(BlobType type, const Sha256Digest& id) {
    entries_.erase(Key(type, id));
  }
  size_t size() const { return entries_.size(); }
  // Every indexed blob, in no particular order.
  std::vector<IndexEntry> Entries() const;

  // Adds every blob of an index file. kCorruption on malformed JSON.
  Status Merge(std::string_view json);

  static std::string Encode(const std::vector<PackBlobs>& packs);
  // The map key of a blob: type tag + raw ID.
  static std::string Key(BlobType type, const Sha256Digest& id);

 private:
  std::unordered_map<std::string, IndexEntry> entries_;
};

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_INDEX_H_
