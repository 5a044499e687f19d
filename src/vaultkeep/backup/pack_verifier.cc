#include "vaultkeep/backup/pack_verifier.h"

#include <algorithm>

namespace vk::backup {

Status PackVerifier::Write(ByteSpan data) {
  hash_.Update(data);
  if (progress_) progress_(data.size());
  while (!data.empty()) {
    if (next_ >= blobs_.size()) {
      pos_ += data.size();
      break;
    }
    const repo::PackedBlob& b = blobs_[next_];
    uint64_t end = uint64_t{b.offset} + b.length;
    if (pos_ < b.offset) {  // cannot happen for contiguous blobs
      uint64_t skip = std::min<uint64_t>(b.offset - pos_, data.size());
      pos_ += skip;
      data = data.subspan(skip);
      continue;
    }
    uint64_t take = std::min<uint64_t>(end - pos_, data.size());
    buf_.append(AsChars(data.first(take)));
    pos_ += take;
    data = data.subspan(take);
    if (pos_ == end) {
      auto plain = repo::OpenBlob(key_, b, AsBytes(buf_));
      if (!plain.ok()) bad_(b, plain.status());
      ++opened_;
      buf_.clear();
      ++next_;
    }
  }
  return Status::Ok();
}

}  // namespace vk::backup
