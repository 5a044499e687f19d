// Byte streams: the pull (ByteSource) and push (ByteSink) interfaces every
// streaming stage implements. Nothing in the data path holds a whole
// snapshot; stages pass bounded buffers through these.
#ifndef KIT_BASE_BYTE_STREAM_H_
#define KIT_BASE_BYTE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "kit/base/result.h"
#include "kit/base/status.h"

namespace vk {

using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;

inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// A pull stream. Not thread-safe.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to dst.size() bytes into dst. Returns the number read; 0 means
  // end of stream and is returned only then (and only when dst is
  // non-empty). After an error the source is unusable.
  virtual Result<size_t> Read(MutableByteSpan dst) = 0;
};

// A push stream. Not thread-safe.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status Write(ByteSpan data) = 0;
  // Flushes and finalizes. Writing after Close is a bug.
  virtual Status Close() { return Status::Ok(); }
};

// Reads until dst is full or the stream ends; returns the count read.
Result<size_t> ReadFully(ByteSource& src, MutableByteSpan dst);

// Copies src to sink until the end of src; returns the byte count.
Result<uint64_t> Copy(ByteSource& src, ByteSink& sink);

// Reads the whole stream, failing with kInvalidArgument ("... larger than
// <limit> bytes") past `limit`. For small inputs only.
Result<std::string> ReadAllBounded(ByteSource& src, size_t limit);

// A source over caller-owned bytes that must outlive it.
class MemorySource : public ByteSource {
 public:
  explicit MemorySource(ByteSpan data) : data_(data) {}
  explicit MemorySource(std::string_view data) : data_(AsBytes(data)) {}
  Result<size_t> Read(MutableByteSpan dst) override;

 private:
  ByteSpan data_;
  size_t pos_ = 0;
};

// A sink that appends to a string (tests and small entries).
class StringSink : public ByteSink {
 public:
  Status Write(ByteSpan data) override {
    out_.append(AsChars(data));
    return Status::Ok();
  }
  const std::string& data() const { return out_; }
  std::string& mutable_data() { return out_; }

 private:
  std::string out_;
};

// Progress of a stream: called with the running total of bytes that have
// passed so far (never a delta), after each transfer that moved some.
using ByteCountFn = std::function<void(uint64_t total)>;

// Counts the bytes written through it, passing them on to `inner` if one
// is given (it does not close `inner`). Only what `inner` accepted counts,
// so count() is what really went through (a resumed download starts
// there). The one counting/progress wrapper of the code base.
class CountingSink : public ByteSink {
 public:
  explicit CountingSink(ByteSink* inner = nullptr, ByteCountFn progress = {})
      : inner_(inner), progress_(std::move(progress)) {}
  Status Write(ByteSpan data) override;
  Status Close() override { return Status::Ok(); }
  uint64_t count() const { return count_; }

 private:
  ByteSink* inner_;
  ByteCountFn progress_;
  uint64_t count_ = 0;
};

// Wraps a source and counts the bytes read through it.
class CountingSource : public ByteSource {
 public:
  explicit CountingSource(ByteSource* inner, ByteCountFn progress = {})
      : inner_(inner), progress_(std::move(progress)) {}
  Result<size_t> Read(MutableByteSpan dst) override;
  uint64_t count() const { return count_; }

 private:
  ByteSource* inner_;
  ByteCountFn progress_;
  uint64_t count_ = 0;
};

}  // namespace vk

#endif  // KIT_BASE_BYTE_STREAM_H_
