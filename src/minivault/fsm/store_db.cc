#include "minivault/fsm/store_db.h"

#include <unistd.h>

#include <cerrno>

namespace vk::fsm {
namespace {

constexpr unsigned kMaxReaders = 512;  // LMDB's default of 126 is small
                                       // for many HTTP threads.

}  // namespace

Result<StateDb> OpenStateDb(const std::string& path, size_t map_size,
                            unsigned flags) {
  StateDb db;
  VK_ASSIGN_OR_RETURN(
      db.env, lmdb::Env::Open(path, {.map_size = map_size,
                                     .max_dbs = 4,
                                     .max_readers = kMaxReaders,
                                     .flags = flags | MDB_NOSUBDIR | MDB_NOTLS,
                                     .mode = 0600}));
  VK_ASSIGN_OR_RETURN(lmdb::Txn txn, lmdb::Txn::Begin(db.env, 0, "setup"));
  VK_ASSIGN_OR_RETURN(db.data, txn.OpenDbi("data", MDB_CREATE));
  VK_ASSIGN_OR_RETURN(db.config, txn.OpenDbi("config", MDB_CREATE));
  VK_RETURN_IF_ERROR(txn.Commit("database setup of " + path));
  return db;
}

Result<ConfigState> ReadConfig(const lmdb::Txn& txn, const StateDb& db) {
  ConfigState out;
  VK_ASSIGN_OR_RETURN(auto iv, txn.Get(db.config, kLatestIndexesKey));
  if (iv) {
    VK_ASSIGN_OR_RETURN(out.indexes, DecodeIndexValue(*iv));
  }
  VK_ASSIGN_OR_RETURN(auto cv, txn.Get(db.config, kLatestConfigKey));
  if (cv) {
    VK_ASSIGN_OR_RETURN(out.config, DecodeConfigurationValue(*cv));
  }
  return out;
}

Status PutIndexes(lmdb::Txn& txn, const StateDb& db, const IndexValue& v) {
  return txn.Put(db.config, kLatestIndexesKey, EncodeIndexValue(v), 0,
                 "put latest_indexes");
}

Status PutConfiguration(lmdb::Txn& txn, const StateDb& db,
                        const Configuration& c) {
  return txn.Put(db.config, kLatestConfigKey, EncodeConfigurationValue(c), 0,
                 "put latest_config");
}

Status RemoveIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus("remove " + path, errno);
  }
  return Status::Ok();
}

}  // namespace vk::fsm
