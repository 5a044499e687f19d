// SHA256SUMS: "<64 hex>  <name>\n" per file, for meta.json and state.bin,
// in any line order (Go writes them by iterating a map). Reference §2.5.
#ifndef KIT_SNAPSHOT_HASH_LIST_H_
#define KIT_SNAPSHOT_HASH_LIST_H_

#include <map>
#include <string>

#include "kit/base/result.h"
#include "kit/crypto/sha256.h"

namespace vk::snapshot {

using HashList = std::map<std::string, Sha256Digest>;

// Parses the text; fails with kCorruption naming the bad line.
Result<HashList> ParseHashList(std::string_view text);

// Checks `listed` against what was actually hashed: every listed name must
// be a hashed file, every digest must match, every hashed file must be
// listed. Messages name the file and show expected vs found digests.
Status VerifyHashList(const HashList& listed, const HashList& actual,
                      std::string_view list_name = "SHA256SUMS");

// meta.json first, then state.bin (a stable order; Vault's is random).
std::string EncodeHashList(const HashList& hashes);

}  // namespace vk::snapshot

#endif  // KIT_SNAPSHOT_HASH_LIST_H_
