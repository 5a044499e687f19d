#include "vaultkeep/chunker/chunker.h"

#include <bit>
#include <cstring>

#include "kit/crypto/sha256.h"

namespace vk::chunker {
namespace {

// A mask of `bits` ones in the high end of the word. Gear hashing shifts
// left, so only high bits depend on a full window of past bytes.
uint64_t HighMask(int bits) { return ~uint64_t{0} << (64 - bits); }

}  // namespace

Result<Params> ParamsForAverage(size_t avg) {
  if (!std::has_single_bit(avg) || avg < kMinAverage || avg > kMaxAverage) {
    return InvalidArgument("chunk size must be a power of two from " +
                           std::to_string(kMinAverage >> 10) + " KiB to " +
                           std::to_string(kMaxAverage >> 10) + " KiB, not " +
                           std::to_string(avg));
  }
  return Params{.min_size = avg / 4,
                .avg_size = avg,
                .max_size = avg * 4,
                .hard_max_size = avg * 64};
}

GearTable GearTable::FromSecret(ByteSpan secret) {
  // SHA-256 in counter mode over (label, secret, block): 4 words per block.
  static constexpr char kLabel[] = "vaultkeep gear table v1";
  GearTable g;
  for (int block = 0; block < 64; ++block) {
    Sha256 h;
    h.Update(AsBytes(kLabel));
    h.Update(secret);
    uint8_t b = static_cast<uint8_t>(block);
    h.Update(ByteSpan(&b, 1));
    Sha256Digest d = h.Finish();
    std::memcpy(&g.t_[block * 4], d.data(), d.size());
  }
  return g;
}

Chunker::Chunker(const GearTable* gear, const Params& params,
                 bool record_aligned, Emit emit)
    : gear_(gear),
      p_(params),
      aligned_(record_aligned),
      emit_(std::move(emit)) {
  // Normalized chunking (FastCDC "NC level 2"): harder to cut before the
  // average, easier after, which narrows the size distribution.
  int bits = std::countr_zero(p_.avg_size);
  mask_s_ = HighMask(bits + 2);
  mask_l_ = HighMask(bits - 2);
}

void Chunker::AddBoundary(uint64_t end) {
  if (aligned_ && end > start_) boundaries_.push_back(end);
}

size_t Chunker::FindCut() {
  const size_t len = buf_.size() - head_;
  const uint8_t* d = reinterpret_cast<const uint8_t*>(buf_.data()) + head_;
  size_t i = scanned_;
  if (i < p_.min_size) i = p_.min_size;
  uint64_t h = hash_;
  const size_t normal_end = std::min(len, p_.avg_size);
  for (; i < normal_end; ++i) {
    h = (h << 1) + (*gear_)[d[i]];
    if ((h & mask_s_) == 0) {
      hash_ = 0;
      return i + 1;
    }
  }
  const size_t end = std::min(len, p_.max_size);
  for (; i < end; ++i) {
    h = (h << 1) + (*gear_)[d[i]];
    if ((h & mask_l_) == 0) {
      hash_ = 0;
      return i + 1;
    }
  }
  if (len >= p_.max_size) {
    hash_ = 0;
    return p_.max_size;
  }
  hash_ = h;
  scanned_ = i;
  return 0;
}

Status Chunker::EmitPrefix(size_t n) {
  std::string chunk(buf_.data() + head_, n);
  head_ += n;
  start_ += n;
  scanned_ = 0;
  hash_ = 0;
  cut_ = 0;
  ++chunks_;
  while (!boundaries_.empty() && boundaries_.front() <= start_) {
    boundaries_.pop_front();
  }
  return emit_(std::move(chunk));
}

Status Chunker::Feed(ByteSpan data) {
  // Compact once the consumed prefix dominates, so the copy is amortized.
  if (head_ > 0 && head_ >= buf_.size() - head_) {
    buf_.erase(0, head_);
    head_ = 0;
  }
  buf_.append(AsChars(data));
  for (;;) {
    const size_t len = buf_.size() - head_;
    if (cut_ == 0) {
      size_t cut = FindCut();
      if (cut == 0) return Status::Ok();
      if (!aligned_) {
        VK_RETURN_IF_ERROR(EmitPrefix(cut));
        continue;
      }
      cut_ = cut;
    }
    // Aligned: move the cut to the end of the record it falls in.
    size_t target = p_.hard_max_size;
    for (uint64_t b : boundaries_) {
      if (b - start_ >= cut_) {
        target = std::min<uint64_t>(b - start_, p_.hard_max_size);
        break;
      }
    }
    if (len < target) return Status::Ok();
    VK_RETURN_IF_ERROR(EmitPrefix(target));
  }
}

Status Chunker::Finish() {
  size_t len = buf_.size() - head_;
  if (len > 0) VK_RETURN_IF_ERROR(EmitPrefix(len));
  buf_.clear();
  head_ = 0;
  boundaries_.clear();
  return Status::Ok();
}

}  // namespace vk::chunker
