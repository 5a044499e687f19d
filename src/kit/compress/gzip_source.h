// GzipSource: streaming inflate of a gzip stream pulled from another source.
//
// Contract: delivers the decompressed bytes of every gzip member in order
// (a concatenation of members is one stream, as gzip(1) and Go's reader
// treat it), checks each member's CRC-32 and ISIZE trailer, and fails with
// kCorruption when the input is not gzip, is damaged, ends early, or has
// bytes after the last member that do not start another member. Memory is
// bounded (input buffer + inflate window) whatever the stream size.
//
// Two inflate engines are available: zlib (the default: measured faster
// than ISA-L's igzip on Vault-like archives, whose values are random
// ciphertext; see docs/decisions/gzip-inflate.md) and ISA-L. Both enforce
// the same contract.
#ifndef KIT_COMPRESS_GZIP_SOURCE_H_
#define KIT_COMPRESS_GZIP_SOURCE_H_

#include <memory>
#include <string_view>

#include "kit/base/byte_stream.h"

namespace vk {

enum class InflateEngine { kIsal, kZlib };

Result<InflateEngine> ParseInflateEngine(std::string_view name);

class GzipSource : public ByteSource {
 public:
  // `compressed` must outlive the returned source.
  static std::unique_ptr<GzipSource> Create(
      ByteSource* compressed, InflateEngine engine = InflateEngine::kZlib);
  ~GzipSource() override = default;

  // Compressed bytes consumed so far (including headers and trailers).
  virtual uint64_t compressed_bytes() const = 0;
  virtual uint64_t members() const = 0;
};

}  // namespace vk

#endif  // KIT_COMPRESS_GZIP_SOURCE_H_
