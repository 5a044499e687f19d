// The directory key store. PutAll writes every value to a temp file
// (0600, fsynced) before renaming any into place, then fsyncs the
// directory: a failure while writing leaves the old keys untouched, and
// the renames are the only window in which a crash can mix old and new
// keys (each file is still whole).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "base/strings.h"
#include "env/file.h"
#include "keystore/key_store.h"

namespace vk::keystore {
namespace {

Status WriteTemp(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create " + path, errno);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("write " + path, err);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus("fsync " + path, err);
  }
  if (::close(fd) != 0) return ErrnoStatus("close " + path, errno);
  return Status::Ok();
}

class DirKeyStore : public KeyStore {
 public:
  explicit DirKeyStore(std::string dir) : dir_(std::move(dir)) {}

  std::string Describe() const override { return "directory " + dir_; }

  Result<std::optional<std::string>> Get(const std::string& name) override {
    std::string path = dir_ + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        struct stat dst;
        if (::stat(dir_.c_str(), &dst) != 0 || !S_ISDIR(dst.st_mode)) {
          return NotFound("key directory " + dir_ + " does not exist");
        }
        return std::optional<std::string>();
      }
      return ErrnoStatus("stat " + path, errno);
    }
    if (!S_ISREG(st.st_mode)) {
      return InvalidArgument(path + " is not a regular file");
    }
    if ((st.st_mode & 077) != 0) {
      return PermissionDenied(path + " is readable by other users (mode " +
                              ModeText(st.st_mode) +
                              "); keys must be 0600: chmod 600 it");
    }
    VK_ASSIGN_OR_RETURN(std::string raw, ReadSmallFile(path, 64 << 10));
    VK_ASSIGN_OR_RETURN(std::string value, DecodeValue(name, raw));
    return std::optional<std::string>(std::move(value));
  }

  Status PutAll(const std::map<std::string, std::string>& entries) override {
    VK_RETURN_IF_ERROR(MakeDirs(dir_, 0700));
    std::vector<std::string> temps;
    auto cleanup = [&] {
      for (const std::string& t : temps) ::unlink(t.c_str());
    };
    for (const auto& [name, value] : entries) {
      if (name.empty() || name.find('/') != std::string::npos ||
          name[0] == '.') {
        cleanup();
        return InvalidArgument("key name " + Quote(name) +
                               " cannot be a file name");
      }
      std::string tmp = dir_ + "/." + name + ".tmp";
      temps.push_back(tmp);
      if (Status st = WriteTemp(tmp, value + "\n"); !st.ok()) {
        cleanup();
        return st;
      }
    }
    size_t i = 0;
    for (const auto& [name, value] : entries) {
      std::string path = dir_ + "/" + name;
      if (::rename(temps[i].c_str(), path.c_str()) != 0) {
        int err = errno;
        cleanup();
        return ErrnoStatus("rename into " + path, err);
      }
      ++i;
    }
    return SyncDir(dir_);
  }

 private:
  static std::string ModeText(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
    return buf;
  }

  std::string dir_;
};

}  // namespace

std::unique_ptr<KeyStore> NewDirKeyStore(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return std::make_unique<DirKeyStore>(std::move(dir));
}

}  // namespace vk::keystore
