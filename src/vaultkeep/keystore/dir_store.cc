// The directory key store. PutAll writes every value to its own temp file
// (AtomicFileSink: random name, O_EXCL, 0600, fsynced) before renaming any
// into place, then fsyncs the directory: a failure while writing leaves
// the old keys untouched, and the renames are the only window in which a
// crash can mix old and new keys (each file is still whole). A directory
// that group or others may write to is refused for reading and writing:
// whoever can write there can replace a key or plant a link.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "kit/base/strings.h"
#include "kit/env/file.h"
#include "vaultkeep/keystore/key_store.h"

namespace vk::keystore {
namespace {

std::string ModeText(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

class DirKeyStore : public KeyStore {
 public:
  explicit DirKeyStore(std::string dir) : dir_(std::move(dir)) {}

  std::string Describe() const override { return "directory " + dir_; }

  Result<std::optional<std::string>> Get(const std::string& name) override {
    VK_ASSIGN_OR_RETURN(bool exists, CheckDir());
    if (!exists) return NotFound("key directory " + dir_ + " does not exist");
    std::string path = dir_ + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) {
      if (errno == ENOENT) return std::optional<std::string>();
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
    VK_ASSIGN_OR_RETURN(bool exists, CheckDir());
    if (!exists) VK_RETURN_IF_ERROR(MakeDirs(dir_, 0700));
    for (const auto& [name, value] : entries) {
      if (name.empty() || name.find('/') != std::string::npos ||
          name[0] == '.') {
        return InvalidArgument("key name " + Quote(name) +
                               " cannot be a file name");
      }
    }
    // Abandoned sinks remove their temp files.
    std::vector<std::unique_ptr<AtomicFileSink>> sinks;
    for (const auto& [name, value] : entries) {
      VK_ASSIGN_OR_RETURN(auto sink,
                          AtomicFileSink::Create(dir_ + "/" + name, 0600));
      std::string line = value + "\n";
      Status st = sink->Write(AsBytes(line));
      Wipe(line);
      VK_RETURN_IF_ERROR(st);
      VK_RETURN_IF_ERROR(sink->Sync());
      sinks.push_back(std::move(sink));
    }
    for (auto& sink : sinks) {
      VK_RETURN_IF_ERROR(sink->CommitUnsynced());
    }
    return SyncDir(dir_);
  }

 private:
  // Whether the directory exists; an error when it is no directory or
  // others may write to it.
  Result<bool> CheckDir() const {
    struct stat st;
    if (::stat(dir_.c_str(), &st) != 0) {
      if (errno == ENOENT) return false;
      return ErrnoStatus("stat key directory " + dir_, errno);
    }
    if (!S_ISDIR(st.st_mode))
      return InvalidArgument("key directory " + dir_ + " is not a directory");
    if ((st.st_mode & 022) != 0) {
      return PermissionDenied(
          "key directory " + dir_ + " is writable by other users (mode " +
          ModeText(st.st_mode) +
          "): whoever can write there can replace a key; chmod 700 it");
    }
    return true;
  }

  std::string dir_;
};

}  // namespace

std::unique_ptr<KeyStore> NewDirKeyStore(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return std::make_unique<DirKeyStore>(std::move(dir));
}

}  // namespace vk::keystore
