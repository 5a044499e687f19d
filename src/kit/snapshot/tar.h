// Tar as Vault's snapshot archives use it: a streaming reader that accepts
// what Go's archive/tar produces (USTAR, PAX 'x' headers for sizes of 8 GiB
// and more) plus the GNU and V7 variants other tools write, and a writer
// that produces Go's exact USTAR headers (reference §2.3).
//
// Neither side holds entry data: the reader hands out data through Read()
// within the current entry; the writer takes it through WriteData().
#ifndef KIT_SNAPSHOT_TAR_H_
#define KIT_SNAPSHOT_TAR_H_

#include <cstdint>
#include <optional>
#include <string>

#include "kit/base/byte_stream.h"

namespace vk::tar {

constexpr size_t kBlockSize = 512;
// Largest size a USTAR size field holds (11 octal digits): 8 GiB - 1.
constexpr uint64_t kMaxOctalSize = (uint64_t{1} << 33) - 1;
// Cap on PAX extended header data we are willing to buffer.
constexpr uint64_t kMaxPaxHeaderSize = 64 * 1024;

struct Entry {
  std::string name;     // PAX path, or USTAR prefix + "/" + name
  char typeflag = '0';  // '0' (or NUL) regular; '5' dir; '2' symlink; ...
  uint64_t size = 0;    // after PAX size override
  uint32_t mode = 0;
  uint64_t uid = 0, gid = 0;
  int64_t mtime = 0;
  std::string uname, gname;
  uint64_t header_offset = 0;  // offset of the first header block
  bool had_pax = false;

  bool is_regular() const {
    return typeflag == '0' || typeflag == '\0' || typeflag == '7';
  }
};

// Describes a non-regular type for messages ("a directory", "a symlink").
std::string DescribeType(char typeflag);

// Also a ByteSource over the current entry's data.
class Reader : public ByteSource {
 public:
  explicit Reader(ByteSource* in) : in_(in) {}

  // Advances to the next entry (skipping unread data of the current one).
  // Returns nullopt at the end-of-archive marker (two zero blocks). PAX
  // 'x' headers are applied to the entry they precede, never returned.
  Result<std::optional<Entry>> Next();

  // Reads data of the current entry; 0 at the end of that entry.
  Result<size_t> Read(MutableByteSpan dst) override;

  // After Next() returned nullopt: requires that nothing but zero padding
  // follows (GNU tar and Python pad to a 10 KiB record).
  Status ExpectOnlyPadding();

  uint64_t offset() const { return offset_; }
  uint64_t remaining_in_entry() const { return remaining_; }

 private:
  Status ReadBlock(uint8_t* block, bool* eof);
  Status Skip(uint64_t n);
  Status ParsePax(std::string_view data, std::optional<uint64_t>* size,
                  std::optional<std::string>* path);

  ByteSource* in_;
  uint64_t offset_ = 0;     // bytes consumed from `in_`
  uint64_t remaining_ = 0;  // data bytes left in the current entry
  uint64_t padding_ = 0;    // padding after the current entry's data
  std::string current_name_;
};

struct WriterOptions {
  int64_t mtime = 0;  // shared by all entries, as in Go's writer
  // Sizes above this get a PAX size record. Lowered only by tests.
  uint64_t max_octal_size = kMaxOctalSize;
};

class Writer {
 public:
  Writer(ByteSink* out, WriterOptions options) : out_(out), opt_(options) {}

  // Starts a regular file of exactly `size` bytes (mode 0600, uid/gid 0,
  // empty uname/gname), preceded by a PAX header when size needs one.
  Status BeginEntry(const std::string& name, uint64_t size);
  Status WriteData(ByteSpan data);
  // Pads the entry; fails if fewer or more bytes than declared were written.
  Status EndEntry();
  // Writes exactly two zero blocks (no 10 KiB record padding, like Go).
  Status Finish();

 private:
  Status WriteHeader(const std::string& name, char typeflag, uint32_t mode,
                     uint64_t size, int64_t mtime);
  ByteSink* out_;
  WriterOptions opt_;
  std::string name_;
  uint64_t declared_ = 0;
  uint64_t written_ = 0;
  bool in_entry_ = false;
};

}  // namespace vk::tar

#endif  // KIT_SNAPSHOT_TAR_H_
