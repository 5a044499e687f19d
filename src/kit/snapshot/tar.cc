#include "kit/snapshot/tar.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kit/base/strings.h"

namespace vk::tar {
namespace {

// Parses a numeric header field: octal (space/NUL padded) or GNU base-256.
std::optional<uint64_t> ParseNumeric(const uint8_t* f, size_t len) {
  if (len > 0 && (f[0] & 0x80)) {
    if (f[0] != 0x80) return std::nullopt;  // negative or huge
    uint64_t v = 0;
    for (size_t i = 1; i < len; ++i) {
      if (v >> 56) return std::nullopt;
      v = v << 8 | f[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < len && (f[i] == ' ' || f[i] == 0)) ++i;
  uint64_t v = 0;
  bool any = false;
  for (; i < len && f[i] >= '0' && f[i] <= '7'; ++i) {
    if (v >> 61) return std::nullopt;
    v = v * 8 + (f[i] - '0');
    any = true;
  }
  for (; i < len; ++i) {
    if (f[i] != ' ' && f[i] != 0) return std::nullopt;
  }
  if (!any) return 0;
  return v;
}

std::string ParseString(const uint8_t* f, size_t len) {
  size_t n = 0;
  while (n < len && f[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(f), n);
}

bool AllZero(const uint8_t* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (b[i] != 0) return false;
  }
  return true;
}

uint64_t PadOf(uint64_t size) {
  return (kBlockSize - size % kBlockSize) % kBlockSize;
}

void FormatOctal(uint8_t* f, size_t len, uint64_t v) {
  // len-1 octal digits, zero-padded, then NUL (Go's formatOctal).
  std::memset(f, '0', len - 1);
  f[len - 1] = 0;
  for (size_t i = len - 1; i-- > 0 && v > 0;) {
    f[i] = static_cast<uint8_t>('0' + (v & 7));
    v >>= 3;
  }
}

}  // namespace

std::string DescribeType(char t) {
  switch (t) {
    case '1':
      return "a hard link";
    case '2':
      return "a symbolic link";
    case '3':
      return "a character device";
    case '4':
      return "a block device";
    case '5':
      return "a directory";
    case '6':
      return "a FIFO";
    case 'g':
      return "a global PAX header";
    case 'L':
    case 'K':
      return "a GNU long-name record";
    default:
      return std::string("an entry of unsupported type '") +
             (t >= 0x20 && t < 0x7f ? std::string(1, t) : "?") + "'";
  }
}

Status Reader::ReadBlock(uint8_t* block, bool* eof) {
  VK_ASSIGN_OR_RETURN(size_t n,
                      ReadFully(*in_, MutableByteSpan(block, kBlockSize)));
  offset_ += n;
  *eof = n == 0;
  if (n != 0 && n != kBlockSize) {
    return Corruption("tar archive is truncated: it ends " + std::to_string(n) +
                      " bytes into a header block at offset " +
                      std::to_string(offset_ - n));
  }
  return Status::Ok();
}

Status Reader::Skip(uint64_t n) {
  uint8_t buf[8192];
  while (n > 0) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(n, sizeof(buf)));
    VK_ASSIGN_OR_RETURN(size_t got, in_->Read(MutableByteSpan(buf, want)));
    if (got == 0) {
      return Corruption("tar archive is truncated inside entry " +
                        Quote(current_name_) + " (" + std::to_string(n) +
                        " more bytes expected)");
    }
    offset_ += got;
    n -= got;
  }
  return Status::Ok();
}

Status Reader::ParsePax(std::string_view data, std::optional<uint64_t>* size,
                        std::optional<std::string>* path) {
  while (!data.empty()) {
    size_t sp = data.find(' ');
    if (sp == std::string_view::npos || sp == 0 || sp > 20) {
      return Corruption("malformed PAX extended header record");
    }
    uint64_t len = 0;
    for (size_t i = 0; i < sp; ++i) {
      if (data[i] < '0' || data[i] > '9') {
        return Corruption("malformed PAX record length");
      }
      len = len * 10 + static_cast<uint64_t>(data[i] - '0');
      // Bounding len by the header size here also keeps it from wrapping
      // around 2^64 (20 digits) to a small, plausible length.
      if (len > data.size()) {
        return Corruption("malformed PAX extended header record");
      }
    }
    if (len <= sp + 1 || data[len - 1] != '\n') {
      return Corruption("malformed PAX extended header record");
    }
    std::string_view rec = data.substr(sp + 1, len - sp - 2);
    data.remove_prefix(len);
    size_t eq = rec.find('=');
    if (eq == std::string_view::npos) {
      return Corruption("malformed PAX record (no '=')");
    }
    std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1);
    if (key == "size") {
      if (value.empty() || value.size() > 19) {
        return Corruption("invalid PAX size record \"" + std::string(value) +
                          "\"");
      }
      uint64_t v = 0;
      for (char c : value) {
        if (c < '0' || c > '9') {
          return Corruption("invalid PAX size record \"" + std::string(value) +
                            "\"");
        }
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      if (v > (uint64_t{1} << 62)) {
        return Corruption("PAX size record " + std::string(value) +
                          " is beyond any real archive");
      }
      *size = v;
    } else if (key == "path") {
      *path = std::string(value);
    }
  }
  return Status::Ok();
}

Result<std::optional<Entry>> Reader::Next() {
  if (remaining_ + padding_ > 0) {
    VK_RETURN_IF_ERROR(Skip(remaining_ + padding_));
    remaining_ = padding_ = 0;
  }
  std::optional<uint64_t> pax_size;
  std::optional<std::string> pax_path;
  bool had_pax = false;
  uint8_t b[kBlockSize];
  for (;;) {
    uint64_t header_offset = offset_;
    bool eof = false;
    VK_RETURN_IF_ERROR(ReadBlock(b, &eof));
    if (eof) {
      return Corruption("tar archive is truncated: it ends at offset " +
                        std::to_string(offset_) +
                        " without the end-of-archive marker (two zero blocks)");
    }
    if (AllZero(b, kBlockSize)) {
      if (had_pax) return Corruption("PAX header is not followed by an entry");
      VK_RETURN_IF_ERROR(ReadBlock(b, &eof));
      if (eof) {
        return Corruption(
            "tar archive is truncated: only one of the two end-of-archive "
            "zero blocks is present");
      }
      if (!AllZero(b, kBlockSize)) {
        return Corruption(
            "tar archive has a single zero block followed by "
            "data at offset " +
            std::to_string(offset_ - kBlockSize));
      }
      return std::optional<Entry>();
    }
    // Checksum: unsigned byte sum with the field read as spaces (Go also
    // accepts the signed sum some old tars wrote).
    uint64_t usum = 0;
    int64_t ssum = 0;
    for (size_t i = 0; i < kBlockSize; ++i) {
      uint8_t c = (i >= 148 && i < 156) ? ' ' : b[i];
      usum += c;
      ssum += static_cast<int8_t>(c);
    }
    auto stored = ParseNumeric(b + 148, 8);
    if (!stored || (*stored != usum && static_cast<int64_t>(*stored) != ssum)) {
      return Corruption("tar header at offset " +
                        std::to_string(header_offset) +
                        " has a bad checksum (not a tar archive, or damaged)");
    }
    Entry e;
    e.header_offset = header_offset;
    e.name = ParseString(b, 100);
    e.typeflag = static_cast<char>(b[156]);
    bool ustar = std::memcmp(b + 257, "ustar", 5) == 0;
    if (ustar) {
      std::string prefix = ParseString(b + 345, 155);
      if (!prefix.empty() && std::memcmp(b + 257, "ustar\0", 6) == 0) {
        e.name = prefix + "/" + e.name;
      }
      e.uname = ParseString(b + 265, 32);
      e.gname = ParseString(b + 297, 32);
    }
    auto mode = ParseNumeric(b + 100, 8);
    auto uid = ParseNumeric(b + 108, 8);
    auto gid = ParseNumeric(b + 116, 8);
    auto size = ParseNumeric(b + 124, 12);
    auto mtime = ParseNumeric(b + 136, 12);
    if (!mode || !uid || !gid || !size || !mtime) {
      return Corruption("tar header of " + Quote(e.name) + " at offset " +
                        std::to_string(header_offset) +
                        " has an invalid numeric field");
    }
    e.mode = static_cast<uint32_t>(*mode & 07777);
    e.uid = *uid;
    e.gid = *gid;
    e.size = *size;
    e.mtime = static_cast<int64_t>(*mtime);
    if (e.typeflag == 'x') {
      if (e.size > kMaxPaxHeaderSize) {
        return Corruption("PAX extended header of " + std::to_string(e.size) +
                          " bytes is larger than the " +
                          std::to_string(kMaxPaxHeaderSize) + "-byte limit");
      }
      std::string data(static_cast<size_t>(e.size), '\0');
      VK_ASSIGN_OR_RETURN(
          size_t got,
          ReadFully(*in_,
                    MutableByteSpan(reinterpret_cast<uint8_t*>(data.data()),
                                    data.size())));
      offset_ += got;
      current_name_ = e.name;
      if (got != data.size()) {
        return Corruption("tar archive is truncated inside a PAX header");
      }
      VK_RETURN_IF_ERROR(Skip(PadOf(e.size)));
      VK_RETURN_IF_ERROR(ParsePax(data, &pax_size, &pax_path));
      had_pax = true;
      continue;
    }
    if (pax_size) e.size = *pax_size;
    if (pax_path) e.name = *pax_path;
    e.had_pax = had_pax;
    // Hard links, symlinks, devices, dirs and FIFOs carry no data in tar.
    bool has_data = !(e.typeflag >= '1' && e.typeflag <= '6');
    remaining_ = has_data ? e.size : 0;
    padding_ = has_data ? PadOf(e.size) : 0;
    current_name_ = e.name;
    return std::optional<Entry>(std::move(e));
  }
}

Result<size_t> Reader::Read(MutableByteSpan dst) {
  if (remaining_ == 0 || dst.empty()) return size_t{0};
  size_t want = static_cast<size_t>(std::min<uint64_t>(dst.size(), remaining_));
  VK_ASSIGN_OR_RETURN(size_t got, in_->Read(dst.first(want)));
  if (got == 0) {
    return Corruption("tar archive is truncated inside entry " +
                      Quote(current_name_) + " (" + std::to_string(remaining_) +
                      " more bytes expected)");
  }
  offset_ += got;
  remaining_ -= got;
  return got;
}

Status Reader::ExpectOnlyPadding() {
  uint8_t buf[8192];
  for (;;) {
    VK_ASSIGN_OR_RETURN(size_t n, in_->Read(buf));
    if (n == 0) return Status::Ok();
    for (size_t i = 0; i < n; ++i) {
      if (buf[i] != 0) {
        return Corruption(
            "unexpected data after the end of the tar archive "
            "(non-zero byte at offset " +
            std::to_string(offset_ + i) + ")");
      }
    }
    offset_ += n;
  }
}

Status Writer::WriteHeader(const std::string& name, char typeflag,
                           uint32_t mode, uint64_t size, int64_t mtime) {
  if (name.size() > 100)
    return InvalidArgument("tar entry name too long: " + name);
  uint8_t b[kBlockSize];
  std::memset(b, 0, sizeof(b));
  std::memcpy(b, name.data(), name.size());
  FormatOctal(b + 100, 8, mode);
  FormatOctal(b + 108, 8, 0);
  FormatOctal(b + 116, 8, 0);
  FormatOctal(b + 124, 12, size > opt_.max_octal_size ? 0 : size);
  FormatOctal(b + 136, 12, static_cast<uint64_t>(mtime < 0 ? 0 : mtime));
  b[156] = static_cast<uint8_t>(typeflag);
  std::memcpy(b + 257,
              "ustar\0"
              "00",
              8);
  FormatOctal(b + 329, 8, 0);
  FormatOctal(b + 337, 8, 0);
  std::memset(b + 148, ' ', 8);
  uint64_t sum = 0;
  for (uint8_t c : b) sum += c;
  // Go: 6 octal digits, NUL, space.
  FormatOctal(b + 148, 7, sum);
  b[155] = ' ';
  return out_->Write(ByteSpan(b, sizeof(b)));
}

Status Writer::BeginEntry(const std::string& name, uint64_t size) {
  VK_CHECK(!in_entry_);
  if (size > opt_.max_octal_size) {
    // Go: "PaxHeaders.0/<name>", typeflag 'x', mode 0, mtime 0.
    std::string rec = " size=" + std::to_string(size) + "\n";
    size_t len = rec.size();
    while (std::to_string(len).size() + rec.size() != len) {
      len = std::to_string(len).size() + rec.size();
    }
    std::string pax = std::to_string(len) + rec;
    VK_RETURN_IF_ERROR(
        WriteHeader("PaxHeaders.0/" + name, 'x', 0, pax.size(), 0));
    std::string padded = pax + std::string(PadOf(pax.size()), '\0');
    VK_RETURN_IF_ERROR(out_->Write(AsBytes(padded)));
  }
  VK_RETURN_IF_ERROR(WriteHeader(name, '0', 0600, size, opt_.mtime));
  name_ = name;
  declared_ = size;
  written_ = 0;
  in_entry_ = true;
  return Status::Ok();
}

Status Writer::WriteData(ByteSpan data) {
  VK_CHECK(in_entry_);
  if (written_ + data.size() > declared_) {
    return InvalidArgument("more data than declared for tar entry " + name_);
  }
  written_ += data.size();
  return out_->Write(data);
}

Status Writer::EndEntry() {
  VK_CHECK(in_entry_);
  in_entry_ = false;
  if (written_ != declared_) {
    return InvalidArgument("tar entry " + name_ + " declared " +
                           std::to_string(declared_) + " bytes but got " +
                           std::to_string(written_));
  }
  static const uint8_t kZeros[kBlockSize] = {};
  return out_->Write(ByteSpan(kZeros, PadOf(declared_)));
}

Status Writer::Finish() {
  VK_CHECK(!in_entry_);
  static const uint8_t kZeros[2 * kBlockSize] = {};
  return out_->Write(ByteSpan(kZeros, sizeof(kZeros)));
}

}  // namespace vk::tar
