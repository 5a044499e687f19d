#include "kit/base/byte_stream.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace vk {

Result<size_t> ReadFully(ByteSource& src, MutableByteSpan dst) {
  size_t got = 0;
  while (got < dst.size()) {
    VK_ASSIGN_OR_RETURN(size_t n, src.Read(dst.subspan(got)));
    if (n == 0) break;
    got += n;
  }
  return got;
}

Result<uint64_t> Copy(ByteSource& src, ByteSink& sink) {
  std::vector<uint8_t> buf(256 * 1024);
  uint64_t total = 0;
  for (;;) {
    VK_ASSIGN_OR_RETURN(size_t n, src.Read(buf));
    if (n == 0) return total;
    VK_RETURN_IF_ERROR(sink.Write(ByteSpan(buf.data(), n)));
    total += n;
  }
}

Result<std::string> ReadAllBounded(ByteSource& src, size_t limit) {
  std::string out;
  uint8_t buf[8192];
  for (;;) {
    VK_ASSIGN_OR_RETURN(size_t n, src.Read(buf));
    if (n == 0) return out;
    if (out.size() + n > limit) {
      return InvalidArgument("input is larger than " + std::to_string(limit) +
                             " bytes");
    }
    out.append(reinterpret_cast<const char*>(buf), n);
  }
}

Result<size_t> MemorySource::Read(MutableByteSpan dst) {
  size_t n = std::min(dst.size(), data_.size() - pos_);
  if (n > 0) std::memcpy(dst.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Status CountingSink::Write(ByteSpan data) {
  if (inner_ != nullptr) VK_RETURN_IF_ERROR(inner_->Write(data));
  count_ += data.size();
  if (progress_ && !data.empty()) progress_(count_);
  return Status::Ok();
}

Result<size_t> CountingSource::Read(MutableByteSpan dst) {
  VK_ASSIGN_OR_RETURN(size_t n, inner_->Read(dst));
  count_ += n;
  if (progress_ && n > 0) progress_(count_);
  return n;
}

}  // namespace vk
