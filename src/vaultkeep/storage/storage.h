// Storage: the one interface every repository backend implements (local
// directory, in-memory, S3). Keys are relative, "/"-separated paths
// ("config", "keys/<id>", "data/ab/<id>"); each names one immutable object.
//
// Contract shared by all drivers (tests/conformance checks it):
// - Put makes `key` visible with exactly `data`, or not at all; a reader
//   never sees a partial object. Put of an existing key fails with
//   kFailedPrecondition unless options.overwrite is set.
// - Get streams bytes [offset, offset+length) to `sink`; length kToEnd
//   means "to the end". A range past the end fails with kInvalidArgument, a
//   missing key with kNotFound.
// - List calls fn once per object whose key starts with `prefix`, in no
//   particular order; objects being written are never listed.
// - Remove deletes the object; kNotFound if it does not exist.
// - Keys with "..", empty segments, a leading "/" or a NUL are rejected with
//   kInvalidArgument before the driver touches anything.
// All methods are safe to call from several threads at once.
//
// Objects are bounded (restic packs are at most 128 MiB; everything else is
// small), so Put takes the bytes: any driver can then retry a Put without
// asking the caller to rewind a stream.
#ifndef VAULTKEEP_STORAGE_STORAGE_H_
#define VAULTKEEP_STORAGE_STORAGE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kit/base/byte_stream.h"

namespace vk::storage {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

struct Properties {
  std::string location;     // for messages: a path or URL, never secrets
  int connections_max = 1;  // useful parallelism for Put/Get
};

struct PutOptions {
  bool overwrite = false;
  bool sync = true;  // durable before Put returns (local: fsync file + dir)
};

inline constexpr uint64_t kToEnd = UINT64_MAX;

class Storage {
 public:
  virtual ~Storage() = default;
  virtual Properties properties() const = 0;
  virtual Status Put(std::string_view key, ByteSpan data,
                     PutOptions options = {}) = 0;
  virtual Status Get(std::string_view key, uint64_t offset, uint64_t length,
                     ByteSink& sink) = 0;
  virtual Result<ObjectInfo> Stat(std::string_view key) = 0;
  virtual Status List(std::string_view prefix,
                      const std::function<Status(const ObjectInfo&)>& fn) = 0;
  virtual Status Remove(std::string_view key) = 0;
};

// Validates a key against the rules above.
Status CheckKey(std::string_view key);

// Reads a whole object into memory (for small objects: config, keys, index).
Result<std::string> GetAll(Storage& storage, std::string_view key);

std::unique_ptr<Storage> NewMemStorage();
// The directory must exist (OpenLocalStorage does not create the repository;
// `init` does, by writing its first object).
std::unique_ptr<Storage> NewLocalStorage(std::string root);

}  // namespace vk::storage

#endif  // VAULTKEEP_STORAGE_STORAGE_H_
