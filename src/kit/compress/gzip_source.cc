#include "kit/compress/gzip_source.h"

#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <cstring>
#include <vector>

namespace vk {
namespace {

constexpr size_t kInputBufferSize = 256 * 1024;

// The engine-independent part: the input buffer, member boundaries and
// trailing-data rules. Engines only turn input into output for one member.
class GzipSourceBase : public GzipSource {
 public:
  explicit GzipSourceBase(ByteSource* in) : in_(in), buf_(kInputBufferSize) {}

  uint64_t compressed_bytes() const override { return consumed_; }
  uint64_t members() const override { return members_; }

  Result<size_t> Read(MutableByteSpan dst) override {
    if (dst.empty()) return size_t{0};
    while (!eof_) {
      if (!in_member_) {
        VK_RETURN_IF_ERROR(StartMember());
        if (eof_) break;
      }
      if (avail_ == 0 && !input_eof_) VK_RETURN_IF_ERROR(Fill());
      size_t before = avail_;
      bool member_end = false;
      VK_ASSIGN_OR_RETURN(size_t n, Inflate(dst, &member_end));
      consumed_ += before - avail_;
      if (member_end) {
        in_member_ = false;
        ++members_;
      } else if (n == 0 && avail_ == 0 && input_eof_) {
        return Corruption("gzip stream is truncated: it ends after " +
                          std::to_string(consumed_) +
                          " compressed bytes, inside a member");
      }
      if (n > 0) return n;
    }
    return size_t{0};
  }

 protected:
  // Inflates from next_/avail_ into dst; sets *member_end when the member's
  // trailer has been read and verified.
  virtual Result<size_t> Inflate(MutableByteSpan dst, bool* member_end) = 0;
  virtual void ResetMember() = 0;

  const uint8_t* next_ = nullptr;
  size_t avail_ = 0;

 private:
  Status Fill() {
    VK_ASSIGN_OR_RETURN(size_t n, in_->Read(buf_));
    if (n == 0) input_eof_ = true;
    next_ = buf_.data();
    avail_ = n;
    return Status::Ok();
  }

  // Called between members: decides whether another member follows.
  Status StartMember() {
    while (avail_ < 2 && !input_eof_) {
      // Keep a partial magic byte across refills.
      uint8_t keep = avail_ == 1 ? *next_ : 0;
      bool had = avail_ == 1;
      VK_ASSIGN_OR_RETURN(
          size_t n, in_->Read(MutableByteSpan(buf_).subspan(had ? 1 : 0)));
      if (n == 0) input_eof_ = true;
      if (had) buf_[0] = keep;
      next_ = buf_.data();
      avail_ = n + (had ? 1 : 0);
    }
    if (avail_ == 0) {
      if (members_ == 0) return Corruption("input is empty, not a gzip stream");
      eof_ = true;
      return Status::Ok();
    }
    if (avail_ < 2 || next_[0] != 0x1f || next_[1] != 0x8b) {
      if (members_ == 0 && avail_ == 1 && next_[0] == 0x1f) {
        // Cut after the first magic byte: a truncated download, not a
        // different format.
        return Corruption(
            "gzip stream is truncated: it ends after 1 compressed bytes, "
            "inside a member");
      }
      if (members_ == 0) {
        return Corruption(
            "input is not a gzip stream (it does not start with the gzip "
            "magic bytes 1f 8b)");
      }
      uint64_t extra = avail_;
      // Count the rest without keeping it.
      for (;;) {
        VK_ASSIGN_OR_RETURN(size_t n, in_->Read(buf_));
        if (n == 0) break;
        extra += n;
      }
      return Corruption(std::to_string(extra) +
                        " bytes of unexpected data after the end of the gzip "
                        "stream (at compressed offset " +
                        std::to_string(consumed_) + ")");
    }
    ResetMember();
    in_member_ = true;
    return Status::Ok();
  }

  ByteSource* in_;
  std::vector<uint8_t> buf_;
  bool input_eof_ = false;
  bool in_member_ = false;
  bool eof_ = false;
  uint64_t consumed_ = 0;
  uint64_t members_ = 0;
};

class IsalGzipSource : public GzipSourceBase {
 public:
  using GzipSourceBase::GzipSourceBase;

 protected:
  void ResetMember() override {
    isal_inflate_init(&state_);
    state_.crc_flag = ISAL_GZIP;
  }

  Result<size_t> Inflate(MutableByteSpan dst, bool* member_end) override {
    state_.next_in = const_cast<uint8_t*>(next_);
    state_.avail_in = static_cast<uint32_t>(avail_);
    state_.next_out = dst.data();
    state_.avail_out =
        static_cast<uint32_t>(std::min<size_t>(dst.size(), 1u << 30));
    int rc = isal_inflate(&state_);
    size_t produced = static_cast<size_t>(state_.next_out - dst.data());
    next_ = state_.next_in;
    avail_ = state_.avail_in;
    switch (rc) {
      case ISAL_DECOMP_OK:
      case ISAL_END_INPUT:
        break;
      case ISAL_INCORRECT_CHECKSUM:
        return Corruption(
            "gzip stream is corrupt: the CRC-32 or length in the gzip trailer "
            "does not match the decompressed data");
      case ISAL_UNSUPPORTED_METHOD:
        return Corruption("gzip stream uses an unsupported compression method");
      default:
        return Corruption(
            "gzip stream is corrupt: invalid deflate data (igzip "
            "error " +
            std::to_string(rc) + ")");
    }
    *member_end = state_.block_state == ISAL_BLOCK_FINISH;
    return produced;
  }

 private:
  inflate_state state_;
};

class ZlibGzipSource : public GzipSourceBase {
 public:
  explicit ZlibGzipSource(ByteSource* in) : GzipSourceBase(in) {
    std::memset(&z_, 0, sizeof(z_));
    VK_CHECK(inflateInit2(&z_, 16 + MAX_WBITS) == Z_OK);
  }
  ~ZlibGzipSource() override { inflateEnd(&z_); }

 protected:
  void ResetMember() override { VK_CHECK(inflateReset(&z_) == Z_OK); }

  Result<size_t> Inflate(MutableByteSpan dst, bool* member_end) override {
    z_.next_in = const_cast<uint8_t*>(next_);
    z_.avail_in = static_cast<uInt>(avail_);
    z_.next_out = dst.data();
    z_.avail_out = static_cast<uInt>(std::min<size_t>(dst.size(), 1u << 30));
    int rc = inflate(&z_, Z_NO_FLUSH);
    size_t produced = static_cast<size_t>(z_.next_out - dst.data());
    next_ = z_.next_in;
    avail_ = z_.avail_in;
    if (rc == Z_DATA_ERROR) {
      std::string why = z_.msg ? z_.msg : "invalid data";
      if (why == "incorrect data check" || why == "incorrect length check") {
        return Corruption(
            "gzip stream is corrupt: the CRC-32 or length in the gzip trailer "
            "does not match the decompressed data");
      }
      return Corruption("gzip stream is corrupt: " + why);
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return Corruption("gzip stream is corrupt (zlib error " +
                        std::to_string(rc) + ")");
    }
    *member_end = rc == Z_STREAM_END;
    return produced;
  }

 private:
  z_stream z_;
};

}  // namespace

Result<InflateEngine> ParseInflateEngine(std::string_view name) {
  if (name == "isal" || name == "igzip") return InflateEngine::kIsal;
  if (name == "zlib") return InflateEngine::kZlib;
  return InvalidArgument("unknown inflate engine \"" + std::string(name) +
                         "\" (expected isal or zlib)");
}

std::unique_ptr<GzipSource> GzipSource::Create(ByteSource* compressed,
                                               InflateEngine engine) {
  if (engine == InflateEngine::kZlib) {
    return std::make_unique<ZlibGzipSource>(compressed);
  }
  return std::make_unique<IsalGzipSource>(compressed);
}

}  // namespace vk
