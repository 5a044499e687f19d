#include "compress/zstd.h"

#include <zstd.h>

#include <memory>

namespace vk {

std::string ZstdCompress(ByteSpan data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n =
      ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  VK_CHECK(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

Result<std::string> ZstdDecompress(ByteSpan data, size_t max_size) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(),
                                                           ZSTD_freeDCtx);
  // restic's decoder allows large windows; cap what a frame may demand.
  ZSTD_DCtx_setParameter(ctx.get(), ZSTD_d_windowLogMax, 27);
  std::string out;
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t rc = 1;
  while (rc != 0) {
    if (out.size() > max_size) break;
    size_t old = out.size();
    out.resize(old + std::max<size_t>(ZSTD_DStreamOutSize(), old / 2));
    ZSTD_outBuffer ob{out.data() + old, out.size() - old, 0};
    rc = ZSTD_decompressStream(ctx.get(), &ob, &in);
    out.resize(old + ob.pos);
    if (ZSTD_isError(rc)) {
      return Corruption(std::string("zstd data is corrupt: ") +
                        ZSTD_getErrorName(rc));
    }
    if (rc != 0 && in.pos == in.size && ob.pos == 0) {
      return Corruption("zstd frame is truncated");
    }
  }
  if (out.size() > max_size) {
    return Corruption("zstd frame decompresses to more than " +
                      std::to_string(max_size) + " bytes");
  }
  if (in.pos != in.size) {
    return Corruption("unexpected data after the zstd frame");
  }
  return out;
}

}  // namespace vk
