// Local files as byte streams, and the durable-write discipline.
//
// AtomicFileSink implements the project's rule for every file write: write
// to a temp file in the same directory (mode 0600), fsync it, rename it over
// the final name, fsync the directory. Until Commit() succeeds the final
// name is untouched; an abandoned sink removes its temp file.
#ifndef KIT_ENV_FILE_H_
#define KIT_ENV_FILE_H_

#include <memory>
#include <string>

#include "kit/base/byte_stream.h"

namespace vk {

// Reads a file, or standard input when path is "-".
class FileSource : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  Result<size_t> Read(MutableByteSpan dst) override;
  const std::string& path() const { return path_; }

 private:
  FileSource(int fd, std::string path, bool owned)
      : fd_(fd), path_(std::move(path)), owned_(owned) {}
  int fd_;
  std::string path_;
  bool owned_;
};

// Writes to standard output (path "-") or an already-open descriptor. An
// owned descriptor is closed by Close() (whose error is reported) or the
// destructor.
class FdSink : public ByteSink {
 public:
  FdSink(int fd, std::string name, bool owned = false)
      : fd_(fd), name_(std::move(name)), owned_(owned) {}
  ~FdSink() override;
  Status Write(ByteSpan data) override;
  Status Close() override;

 private:
  int fd_;
  std::string name_;
  bool owned_;
};

class AtomicFileSink : public ByteSink {
 public:
  // Creates "<dir>/.<base>.tmp-XXXXXX" with the given mode.
  static Result<std::unique_ptr<AtomicFileSink>> Create(const std::string& path,
                                                        int mode = 0600);
  ~AtomicFileSink() override;  // removes the temp file unless committed

  Status Write(ByteSpan data) override;
  // fsyncs the temp file's data now (Commit then skips it): a caller that
  // writes several files fsyncs them all before renaming any.
  Status Sync();
  // fsync, rename over the final path, fsync the directory. With
  // replace=false an existing final path is left alone and Commit fails
  // with kFailedPrecondition (create-if-absent, atomically).
  Status Commit(bool replace = true);
  // Commit without the fsyncs (for data whose loss on power failure is
  // acceptable, e.g. tests and caches).
  Status CommitUnsynced(bool replace = true);
  Status Close() override { return Commit(); }

 private:
  AtomicFileSink(int fd, std::string path, std::string tmp)
      : fd_(fd), path_(std::move(path)), tmp_(std::move(tmp)) {}
  int fd_;
  std::string path_;
  std::string tmp_;
  bool committed_ = false;
  bool synced_ = false;
  Status Finish(bool replace, bool sync);
};

// Where an output path leads, decided without following a final symlink.
enum class OutputKind {
  kStdout,   // "-"
  kNewFile,  // nothing there yet: created atomically
  kFile,     // a regular file: replaced atomically (mode 0600)
  kStream,   // a character device or FIFO: written in place, as it comes
};

// Opens an output the way `dump -o` and `gen-snapshot -o` promise:
//  - "-" is standard output;
//  - a new path or a regular file gets an AtomicFileSink: Close() commits,
//    destruction without Close() leaves the old file (or nothing) behind;
//  - a character device (/dev/null, a tape, /dev/full) or a FIFO is opened
//    for writing without O_CREAT/O_TRUNC and written as the bytes come, so
//    a device stays a device and a pipe's reader gets the stream;
//  - a symbolic link is refused (kInvalidArgument): following it could
//    send a root-run dump over any file a link's owner points it at; the
//    operator gives the link's target instead;
//  - a directory, block device or socket is refused (kInvalidArgument).
// A full device (ENOSPC) fails the write with kIOError. `kind`, when not
// null, tells the caller which case applied.
Result<std::unique_ptr<ByteSink>> OpenOutput(const std::string& path,
                                             OutputKind* kind = nullptr);

// fsyncs a directory, making renames and unlinks in it durable.
Status SyncDir(const std::string& dir);

// Creates `path` and missing parents with `mode` (like mkdir -p).
Status MakeDirs(const std::string& path, int mode = 0700);

// Reads a whole small file (configuration, certificates, a node id);
// InvalidArgument if it is larger than `max_size`.
Result<std::string> ReadSmallFile(const std::string& path,
                                  size_t max_size = 1 << 20);

// Writes a small file atomically and durably.
Status WriteFileAtomic(const std::string& path, std::string_view content,
                       int mode = 0600);

}  // namespace vk

#endif  // KIT_ENV_FILE_H_
