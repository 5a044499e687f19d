// Vault's KV secrets engine, version 2, as minivault serves it: versioned
// secrets under data/, their history and settings under metadata/, soft
// delete (delete/, undelete/), hard delete (destroy/) and the mount's config.
// The engine answers logical requests (see minivault/logical/logical.h); the
// core has already stripped the mount prefix and checked the ACL, and it wraps
// Response::data into Vault's envelope.
//
// Routes (path relative to the mount; <p> is a secret name such as "a/b"):
//   data/<p>       read (?version=N), create/update, delete (latest), patch
//   metadata/<p>   read, create/update, delete (all versions), patch
//   metadata/[<folder>/]  list
//   delete/<p>, undelete/<p>, destroy/<p>   create/update {"versions":[..]}
//   config         read, create/update
// Anything else is 404 "unsupported path"; a known path with another
// operation is 405 "unsupported operation". Secret names must be non-empty,
// must not end in '/', and must not hold empty, "." or ".." segments (400).
//
// Storage layout (keys relative to the mount's barrier view; values are
// plaintext JSON, the barrier below encrypts them):
//   config                      the engine Config (see
//   minivault/kv2/metadata.h) metadata/<p>                the secret's
//   KeyMetadata (see minivault/kv2/metadata.h) versions/<sha256hex(p)>/<n>
//   version n's data: {"data":{...}}
// Only metadata records live under metadata/, so listing it yields exactly
// the secret names and folders. Version keys use a hash of the name so that
// a name's versions never mix with another name's (e.g. "a" and "a/1").
// Writes put the version data before the metadata that refers to it, and
// drop metadata before the data it refers to, so an interrupted request
// leaves at worst an unreferenced version record, never a dangling one.
#ifndef MINIVAULT_KV2_KV2_H_
#define MINIVAULT_KV2_KV2_H_

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "kit/base/result.h"
#include "minivault/kv2/metadata.h"
#include "minivault/logical/logical.h"

namespace vk::kv2 {

class Engine {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `storage` is the mount's barrier view and must outlive the engine; `now`
  // is injectable for tests.
  explicit Engine(
      logical::Storage* storage,
      Clock now = [] { return std::chrono::system_clock::now(); });
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // For the ACL: whether a POST/PUT on `path` is a create or an update.
  // data/<p> and metadata/<p> are updates when the secret has metadata,
  // creates otherwise (Vault's existence check); every other path, and a
  // malformed name (which Handle rejects), is an update. Fails only when
  // storage does.
  Result<logical::Operation> ResolveWriteOperation(std::string_view path);

  // Handles one request whose operation the core already resolved. Never
  // throws; storage failures become 500. The engine keeps no state between
  // requests: the caller serializes writes to a mount, which makes each
  // read-modify-write of a secret's metadata atomic.
  logical::Response Handle(const logical::Request& req);

 private:
  using Response = logical::Response;
  using Json = nlohmann::json;

  Response Dispatch(const logical::Request& req);

  Response ReadData(const std::string& name, const logical::Request& req);
  Response WriteData(const std::string& name, const Json& body);
  Response PatchData(const std::string& name, const Json& body);
  Response DeleteLatest(const std::string& name);
  Response ChangeVersions(std::string_view action, const std::string& name,
                          const Json& body);
  Response ReadMetadata(const std::string& name);
  Response WriteMetadata(const std::string& name, const Json& body, bool patch);
  Response DeleteMetadata(const std::string& name);
  Response ListMetadata(std::string folder);
  Response ReadConfig();
  Response WriteConfig(const Json& body);

  // Loads a secret's metadata; nullopt if it has none.
  Result<std::optional<KeyMetadata>> LoadMetadata(const std::string& name);
  Status StoreMetadata(const KeyMetadata& meta);
  Result<Config> LoadConfig();
  // Stores `data` as the next version of `meta`, prunes old versions, and
  // answers with the new version's metadata.
  Response PutVersion(KeyMetadata meta, const Config& config, const Json& data);
  Result<Json> LoadVersionData(const std::string& name, uint64_t version);

  logical::Storage* storage_;
  Clock now_;
};

// The storage key of version `version` of secret `name`.
std::string VersionKey(std::string_view name, uint64_t version);

}  // namespace vk::kv2

#endif  // MINIVAULT_KV2_KV2_H_
