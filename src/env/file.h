// Local files as byte streams, and the durable-write discipline.
//
// AtomicFileSink implements the project's rule for every file write: write
// to a temp file in the same directory (mode 0600), fsync it, rename it over
// the final name, fsync the directory. Until Commit() succeeds the final
// name is untouched; an abandoned sink removes its temp file.
#ifndef VAULTKEEP_ENV_FILE_H_
#define VAULTKEEP_ENV_FILE_H_

#include <memory>
#include <string>

#include "base/byte_stream.h"

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

// Writes to standard output (path "-") or an already-open descriptor.
class FdSink : public ByteSink {
 public:
  FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  Status Write(ByteSpan data) override;

 private:
  int fd_;
  std::string name_;
};

class AtomicFileSink : public ByteSink {
 public:
  // Creates "<dir>/.<base>.tmp-XXXXXX" with the given mode.
  static Result<std::unique_ptr<AtomicFileSink>> Create(const std::string& path,
                                                        int mode = 0600);
  ~AtomicFileSink() override;  // removes the temp file unless committed

  Status Write(ByteSpan data) override;
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
  Status Finish(bool replace, bool sync);
};

// Opens "-" as stdout or `path` as an AtomicFileSink. Call Close() to
// commit; destruction without Close() leaves no file behind.
Result<std::unique_ptr<ByteSink>> OpenOutput(const std::string& path);

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

#endif  // VAULTKEEP_ENV_FILE_H_
