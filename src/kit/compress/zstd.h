// zstd for restic v2 repositories: one frame per blob or unpacked file, no
// dictionary. Decompression streams (restic writes some frames without a
// content size) and stops at `max_size` so a hostile frame cannot exhaust
// memory.
#ifndef KIT_COMPRESS_ZSTD_H_
#define KIT_COMPRESS_ZSTD_H_

#include <string>

#include "kit/base/byte_stream.h"

namespace vk {

std::string ZstdCompress(ByteSpan data, int level = 3);
// kCorruption if `data` is not exactly one valid frame or decompresses to
// more than max_size bytes.
Result<std::string> ZstdDecompress(ByteSpan data, size_t max_size);

}  // namespace vk

#endif  // KIT_COMPRESS_ZSTD_H_
