// PackVerifier: the sink `check` (backup/check.cc) streams each pack into
// with read_data. Internal to the backup module.
#ifndef VAULTKEEP_BACKUP_PACK_VERIFIER_H_
#define VAULTKEEP_BACKUP_PACK_VERIFIER_H_

#include <functional>
#include <string>
#include <vector>

#include "kit/base/byte_stream.h"
#include "kit/crypto/restic_crypto.h"
#include "kit/crypto/sha256.h"
#include "vaultkeep/repo/pack.h"

namespace vk::backup {

// Streams a pack: hashes every byte and opens each blob of `blobs` (sorted
// by offset, contiguous from 0) as soon as its bytes are in, so memory is
// bounded by the largest blob, itself bounded by the pack's size.
class PackVerifier : public ByteSink {
 public:
  PackVerifier(const crypto::ResticKey& key,
               const std::vector<repo::PackedBlob>& blobs,
               std::function<void(const repo::PackedBlob&, const Status&)> bad,
               std::function<void(uint64_t)> progress)
      : key_(key),
        blobs_(blobs),
        bad_(std::move(bad)),
        progress_(std::move(progress)) {}

  Status Write(ByteSpan data) override;

  Sha256Digest Digest() { return hash_.Finish(); }
  uint64_t opened() const { return opened_; }
  uint64_t size() const { return pos_; }

 private:
  const crypto::ResticKey& key_;
  const std::vector<repo::PackedBlob>& blobs_;
  std::function<void(const repo::PackedBlob&, const Status&)> bad_;
  std::function<void(uint64_t)> progress_;
  Sha256 hash_;
  std::string buf_;
  size_t next_ = 0;
  uint64_t pos_ = 0;
  uint64_t opened_ = 0;
};

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_PACK_VERIFIER_H_
