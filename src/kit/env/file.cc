#include "kit/env/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace vk {
namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status WriteAll(int fd, ByteSpan data, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write " + name, errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<FileSource>> FileSource::Open(const std::string& path) {
  if (path == "-") {
    return std::unique_ptr<FileSource>(
        new FileSource(0, "standard input", false));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open " + path, errno);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return InvalidArgument(path + " is a directory, not a file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<FileSource>(new FileSource(fd, path, true));
}

FileSource::~FileSource() {
  if (owned_) ::close(fd_);
}

Result<size_t> FileSource::Read(MutableByteSpan dst) {
  for (;;) {
    ssize_t n = ::read(fd_, dst.data(), dst.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    return ErrnoStatus("read " + path_, errno);
  }
}

FdSink::~FdSink() {
  if (owned_ && fd_ >= 0) ::close(fd_);
}

Status FdSink::Write(ByteSpan data) {
  if (fd_ < 0) return Internal("write " + name_ + " after close");
  return WriteAll(fd_, data, name_);
}

Status FdSink::Close() {
  if (!owned_ || fd_ < 0) return Status::Ok();
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 && errno != EINTR)
    return ErrnoStatus("close " + name_, errno);
  return Status::Ok();
}

Result<std::unique_ptr<AtomicFileSink>> AtomicFileSink::Create(
    const std::string& path, int mode) {
  std::string tmp = DirName(path) + "/." + BaseName(path) + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("create temporary file for " + path, errno);
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return ErrnoStatus("chmod " + tmp, err);
  }
  return std::unique_ptr<AtomicFileSink>(new AtomicFileSink(fd, path, tmp));
}

AtomicFileSink::~AtomicFileSink() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

Status AtomicFileSink::Write(ByteSpan data) {
  VK_CHECK(!committed_);
  return WriteAll(fd_, data, path_);
}

Status AtomicFileSink::Sync() {
  VK_CHECK(!committed_);
  if (::fsync(fd_) != 0) return ErrnoStatus("fsync " + path_, errno);
  synced_ = true;
  return Status::Ok();
}

Status AtomicFileSink::Commit(bool replace) { return Finish(replace, true); }

Status AtomicFileSink::CommitUnsynced(bool replace) {
  return Finish(replace, false);
}

Status AtomicFileSink::Finish(bool replace, bool sync) {
  if (committed_) return Status::Ok();
  if (sync && !synced_ && ::fsync(fd_) != 0)
    return ErrnoStatus("fsync " + path_, errno);
  if (::close(fd_) != 0) {
    fd_ = -1;
    return ErrnoStatus("close " + path_, errno);
  }
  fd_ = -1;
  int rc = replace ? ::rename(tmp_.c_str(), path_.c_str())
                   : ::renameat2(AT_FDCWD, tmp_.c_str(), AT_FDCWD,
                                 path_.c_str(), RENAME_NOREPLACE);
  if (rc != 0) {
    if (errno == EEXIST) return FailedPrecondition(path_ + " already exists");
    return ErrnoStatus("rename to " + path_, errno);
  }
  committed_ = true;
  if (!sync) return Status::Ok();
  return SyncDir(DirName(path_));
}

Status SyncDir(const std::string& dir) {
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return ErrnoStatus("open directory " + dir, errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0) return ErrnoStatus("fsync directory " + dir, err);
  return Status::Ok();
}

Status MakeDirs(const std::string& path, int mode) {
  if (path.empty()) return Status::Ok();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::Ok();
    return InvalidArgument(path + " exists and is not a directory");
  }
  std::string parent = DirName(path);
  if (parent != path) VK_RETURN_IF_ERROR(MakeDirs(parent, mode));
  if (::mkdir(path.c_str(), static_cast<mode_t>(mode)) != 0 &&
      errno != EEXIST) {
    return ErrnoStatus("mkdir " + path, errno);
  }
  return Status::Ok();
}

Result<std::unique_ptr<ByteSink>> OpenOutput(const std::string& path,
                                             OutputKind* kind) {
  OutputKind k = OutputKind::kStdout;
  if (kind == nullptr) kind = &k;
  if (path == "-") {
    *kind = OutputKind::kStdout;
    // "-o -": the caller asked for standard output.
    return std::unique_ptr<ByteSink>(
        new FdSink(STDOUT_FILENO, "standard output"));  // layout: stdout
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoStatus("stat " + path, errno);
    *kind = OutputKind::kNewFile;
  } else if (S_ISREG(st.st_mode)) {
    *kind = OutputKind::kFile;
  } else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
    // O_NOFOLLOW and the re-check close the window in which the path
    // could be swapped for a link or a file between lstat and open.
    int fd = ::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open " + path, errno);
    struct stat now;
    if (::fstat(fd, &now) != 0 ||
        !(S_ISCHR(now.st_mode) || S_ISFIFO(now.st_mode))) {
      ::close(fd);
      return InvalidArgument(path + " changed while it was opened");
    }
    *kind = OutputKind::kStream;
    return std::unique_ptr<ByteSink>(new FdSink(fd, path, true));
  } else if (S_ISLNK(st.st_mode)) {
    return InvalidArgument(
        path +
        " is a symbolic link: output never follows links (give the "
        "path it points to)");
  } else {
    const char* what = S_ISDIR(st.st_mode)   ? "a directory"
                       : S_ISBLK(st.st_mode) ? "a block device"
                                             : "a socket";
    return InvalidArgument(path + " is " + what +
                           ": write to a regular file, a character device, "
                           "a FIFO or - (standard output)");
  }
  VK_ASSIGN_OR_RETURN(auto sink, AtomicFileSink::Create(path));
  return std::unique_ptr<ByteSink>(std::move(sink));
}

Status WriteFileAtomic(const std::string& path, std::string_view content,
                       int mode) {
  VK_ASSIGN_OR_RETURN(auto sink, AtomicFileSink::Create(path, mode));
  VK_RETURN_IF_ERROR(sink->Write(AsBytes(content)));
  return sink->Commit();
}

Result<std::string> ReadSmallFile(const std::string& path, size_t max_size) {
  auto src = FileSource::Open(path);
  if (!src.ok()) return src.status();
  std::string out;
  uint8_t buf[16 << 10];
  while (true) {
    auto n = src.value()->Read(MutableByteSpan(buf, sizeof(buf)));
    if (!n.ok()) return n.status();
    if (n.value() == 0) break;
    out.append(reinterpret_cast<const char*>(buf), n.value());
    if (out.size() > max_size)
      return InvalidArgument(path + " is larger than " +
                             std::to_string(max_size) + " bytes");
  }
  return out;
}

}  // namespace vk
