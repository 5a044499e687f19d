#include "kit/compress/zstd.h"

#include <zstd.h>

#include <algorithm>

namespace vk {

namespace {

// One context per thread, reused: creating a context per blob costs more
// than compressing a small blob.
struct Contexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~Contexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
thread_local Contexts tls;

}  // namespace

std::string ZstdCompress(ByteSpan data, int level) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compressCCtx(tls.c, out.data(), out.size(), data.data(),
                               data.size(), level);
  VK_CHECK(!ZSTD_isError(n));
  out.resize(n);
  return out;
}

Result<std::string> ZstdDecompress(ByteSpan data, size_t max_size) {
  ZSTD_DCtx* ctx = tls.d;
  ZSTD_DCtx_reset(ctx, ZSTD_reset_session_and_parameters);
  // restic's decoder allows large windows; cap what a frame may demand.
  ZSTD_DCtx_setParameter(ctx, ZSTD_d_windowLogMax, 27);
  std::string out;
  // Most frames carry their size: allocate once.
  unsigned long long known = ZSTD_getFrameContentSize(data.data(), data.size());
  if (known != ZSTD_CONTENTSIZE_UNKNOWN && known != ZSTD_CONTENTSIZE_ERROR &&
      known <= max_size) {
    out.reserve(known + 1);
  }
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t rc = 1;
  while (rc != 0) {
    if (out.size() > max_size) break;
    size_t old = out.size();
    out.resize(
        std::max(out.capacity(),
                 old + std::max<size_t>(ZSTD_DStreamOutSize(), old / 2)));
    ZSTD_outBuffer ob{out.data() + old, out.size() - old, 0};
    rc = ZSTD_decompressStream(ctx, &ob, &in);
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
