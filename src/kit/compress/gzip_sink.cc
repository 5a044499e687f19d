#include "kit/compress/gzip_sink.h"

#include <zlib.h>

#include <cstring>

namespace vk {
namespace {
constexpr size_t kOutBuf = 256 * 1024;
}

Result<std::unique_ptr<GzipSink>> GzipSink::Create(ByteSink* out, int level) {
  if (level < 0 || level > 9) {
    return InvalidArgument("gzip level must be between 0 and 9, got " +
                           std::to_string(level));
  }
  return std::unique_ptr<GzipSink>(new GzipSink(out, level));
}

GzipSink::GzipSink(ByteSink* out, int level)
    : out_(out), level_(level), buf_(new uint8_t[kOutBuf]) {
  auto* z = new z_stream;
  std::memset(z, 0, sizeof(*z));
  // Raw deflate: we write Go's header and trailer ourselves.
  VK_CHECK(deflateInit2(z, level, Z_DEFLATED, -MAX_WBITS, 8,
                        Z_DEFAULT_STRATEGY) == Z_OK);
  z_ = z;
  crc_ = static_cast<uint32_t>(crc32(0, nullptr, 0));
}

GzipSink::~GzipSink() {
  auto* z = static_cast<z_stream*>(z_);
  deflateEnd(z);
  delete z;
}

Status GzipSink::Pump(int flush) {
  auto* z = static_cast<z_stream*>(z_);
  for (;;) {
    z->next_out = buf_.get();
    z->avail_out = kOutBuf;
    int rc = deflate(z, flush);
    if (rc == Z_STREAM_ERROR) return Internal("deflate failed");
    size_t have = kOutBuf - z->avail_out;
    if (have > 0) VK_RETURN_IF_ERROR(out_->Write(ByteSpan(buf_.get(), have)));
    if (flush == Z_FINISH) {
      if (rc == Z_STREAM_END) return Status::Ok();
    } else if (z->avail_in == 0 && z->avail_out != 0) {
      return Status::Ok();
    }
  }
}

Status GzipSink::Write(ByteSpan data) {
  VK_CHECK(!closed_);
  if (!header_written_) {
    uint8_t xfl = level_ == 9 ? 2 : (level_ == 1 ? 4 : 0);
    const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 0xff};
    VK_RETURN_IF_ERROR(out_->Write(ByteSpan(header, sizeof(header))));
    header_written_ = true;
  }
  auto* z = static_cast<z_stream*>(z_);
  while (!data.empty()) {
    size_t piece = std::min<size_t>(data.size(), 1u << 30);
    crc_ = static_cast<uint32_t>(
        crc32(crc_, data.data(), static_cast<uInt>(piece)));
    size_ += piece;
    z->next_in = const_cast<uint8_t*>(data.data());
    z->avail_in = static_cast<uInt>(piece);
    VK_RETURN_IF_ERROR(Pump(Z_NO_FLUSH));
    data = data.subspan(piece);
  }
  return Status::Ok();
}

Status GzipSink::Close() {
  if (closed_) return Status::Ok();
  if (!header_written_) VK_RETURN_IF_ERROR(Write(ByteSpan()));
  auto* z = static_cast<z_stream*>(z_);
  z->next_in = nullptr;
  z->avail_in = 0;
  VK_RETURN_IF_ERROR(Pump(Z_FINISH));
  uint8_t trailer[8];
  uint32_t isize = static_cast<uint32_t>(size_);
  for (int i = 0; i < 4; ++i) {
    trailer[i] = static_cast<uint8_t>(crc_ >> (8 * i));
    trailer[4 + i] = static_cast<uint8_t>(isize >> (8 * i));
  }
  closed_ = true;
  return out_->Write(ByteSpan(trailer, sizeof(trailer)));
}

}  // namespace vk
