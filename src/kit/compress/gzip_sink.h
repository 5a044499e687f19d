// GzipSink: streaming gzip compression into another sink, framed the way
// Go's compress/gzip frames it (the writer Vault uses): header
// 1f 8b 08 00 00000000 XFL ff with XFL 2 at level 9, 4 at level 1, else 0;
// one member; CRC-32 and ISIZE trailer. The deflate bytes come from zlib and
// differ from Go's, which Vault's reader does not care about.
//
// Level 0 stores (fastest restore), 1 is fast, 6 (default) matches Vault's
// ratio, 9 is best. Close() writes the trailer and closes nothing below.
#ifndef KIT_COMPRESS_GZIP_SINK_H_
#define KIT_COMPRESS_GZIP_SINK_H_

#include <memory>

#include "kit/base/byte_stream.h"

namespace vk {

class GzipSink : public ByteSink {
 public:
  static constexpr int kDefaultLevel = 6;
  // `out` must outlive this sink. Levels outside 0..9 are rejected.
  static Result<std::unique_ptr<GzipSink>> Create(ByteSink* out,
                                                  int level = kDefaultLevel);
  ~GzipSink() override;

  Status Write(ByteSpan data) override;
  Status Close() override;

 private:
  GzipSink(ByteSink* out, int level);
  Status Pump(int flush);

  ByteSink* out_;
  int level_;
  void* z_;  // z_stream*
  uint32_t crc_ = 0;
  uint64_t size_ = 0;
  bool header_written_ = false;
  bool closed_ = false;
  std::unique_ptr<uint8_t[]> buf_;
};

}  // namespace vk

#endif  // KIT_COMPRESS_GZIP_SINK_H_
