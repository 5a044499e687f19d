// LocalStorage: one file per object under a root directory. Writes follow
// the project's durability rule (temp file in the same directory, fsync,
// rename, fsync the directory; see kit/env/file.h); objects are made read-only
// (0400) as restic's local backend does, since they are never modified.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include "kit/env/file.h"
#include "vaultkeep/storage/driver.h"
#include "vaultkeep/storage/range.h"
#include "vaultkeep/storage/storage.h"

namespace vk::storage {
namespace {

namespace fs = std::filesystem;

bool IsTempName(const std::string& name) {
  return !name.empty() && name[0] == '.' &&
         name.find(".tmp-") != std::string::npos;
}

class LocalStorage : public Storage {
 public:
  explicit LocalStorage(std::string root) : root_(std::move(root)) {
    while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
  }

  Properties properties() const override { return {root_, 2}; }

  Status Put(std::string_view key, ByteSpan data, PutOptions o) override {
    VK_RETURN_IF_ERROR(CheckKey(key));
    std::string path = Path(key);
    VK_RETURN_IF_ERROR(MakeDirs(path.substr(0, path.rfind('/'))));
    VK_ASSIGN_OR_RETURN(auto sink, AtomicFileSink::Create(path, 0400));
    VK_RETURN_IF_ERROR(sink->Write(data));
    Status s =
        o.sync ? sink->Commit(o.overwrite) : sink->CommitUnsynced(o.overwrite);
    if (s.code() == StatusCode::kFailedPrecondition) return AlreadyExists(key);
    return s;
  }

  Status Get(std::string_view key, uint64_t offset, uint64_t length,
             ByteSink& sink) override {
    VK_RETURN_IF_ERROR(CheckKey(key));
    std::string path = Path(key);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return errno == ENOENT ? Missing(key)
                             : ErrnoStatus("open " + path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus("stat " + path, err);
    }
    auto n =
        RangeLength(key, static_cast<uint64_t>(st.st_size), offset, length);
    if (!n.ok()) {
      ::close(fd);
      return n.status();
    }
    std::vector<uint8_t> buf(std::min<uint64_t>(*n, 256 * 1024));
    uint64_t left = *n, pos = offset;
    Status status;
    while (left > 0 && status.ok()) {
      ssize_t got =
          ::pread(fd, buf.data(), std::min<uint64_t>(left, buf.size()),
                  static_cast<off_t>(pos));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        status = ErrnoStatus("read " + path, errno);
      } else if (got == 0) {
        status = Corruption(std::string(key) + " shrank while being read");
      } else {
        status = sink.Write(ByteSpan(buf.data(), static_cast<size_t>(got)));
        left -= static_cast<uint64_t>(got);
        pos += static_cast<uint64_t>(got);
      }
    }
    ::close(fd);
    return status;
  }

  Result<ObjectInfo> Stat(std::string_view key) override {
    VK_RETURN_IF_ERROR(CheckKey(key));
    struct stat st;
    std::string path = Path(key);
    if (::stat(path.c_str(), &st) != 0) {
      return errno == ENOENT ? Missing(key)
                             : ErrnoStatus("stat " + path, errno);
    }
    if (!S_ISREG(st.st_mode)) return Missing(key);
    return ObjectInfo{std::string(key), static_cast<uint64_t>(st.st_size)};
  }

  Status List(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    // Walk only the deepest directory the prefix names.
    size_t slash = prefix.rfind('/');
    std::string dir = slash == std::string_view::npos
                          ? root_
                          : root_ + "/" + std::string(prefix.substr(0, slash));
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return Status::Ok();
    std::vector<ObjectInfo> found;
    fs::recursive_directory_iterator it(dir, ec), end;
    if (ec) return IOError("list " + dir + ": " + ec.message());
    for (; it != end; it.increment(ec)) {
      if (ec) return IOError("list " + dir + ": " + ec.message());
      if (!it->is_regular_file(ec)) continue;
      std::string name = it->path().filename().string();
      if (IsTempName(name)) continue;
      std::string key = it->path().string().substr(root_.size() + 1);
      if (key.compare(0, prefix.size(), prefix) != 0) continue;
      found.push_back({std::move(key), it->file_size(ec)});
    }
    for (const auto& info : found) VK_RETURN_IF_ERROR(fn(info));
    return Status::Ok();
  }

  Status Remove(std::string_view key) override {
    VK_RETURN_IF_ERROR(CheckKey(key));
    std::string path = Path(key);
    if (::unlink(path.c_str()) != 0) {
      return errno == ENOENT ? Missing(key)
                             : ErrnoStatus("remove " + path, errno);
    }
    // Best effort, as before: the object is already gone either way.
    (void)SyncDir(path.substr(0, path.rfind('/')));
    return Status::Ok();
  }

 private:
  std::string Path(std::string_view key) const {
    return root_ + "/" + std::string(key);
  }
  std::string root_;
};

}  // namespace

std::unique_ptr<Storage> NewLocalStorage(std::string root) {
  return std::make_unique<LocalStorage>(std::move(root));
}

}  // namespace vk::storage

namespace vk::storage {

Driver LocalDriver() {
  Driver d;
  d.name = "local";
  d.claims = [](std::string_view where) {
    if (where.starts_with("local:")) return true;
    size_t colon = where.find(':');
    return colon == std::string_view::npos || where.find('/') < colon;
  };
  d.check = [](const std::string&, const DriverOptions& o) -> Status {
    if (!o.extended.empty()) {
      std::string key = o.extended[0].substr(0, o.extended[0].find('='));
      return InvalidArgument("-o " + key +
                             ": a local repository takes no -o options "
                             "(s3.* options need an s3: repository)");
    }
    return Status::Ok();
  };
  d.open = [check = d.check](const std::string& where, const DriverOptions& o,
                             bool create) -> Result<std::unique_ptr<Storage>> {
    VK_RETURN_IF_ERROR(check(where, o));
    std::string dir = where.starts_with("local:") ? where.substr(6) : where;
    if (create) VK_RETURN_IF_ERROR(MakeDirs(dir, 0700));
    return NewLocalStorage(dir);
  };
  return d;
}

}  // namespace vk::storage
