// The state machine's LMDB file (vault.db, and vault.db.restore while a
// restore loads): database "data" with every physical key/value and
// database "config" with latest_indexes and latest_config (state_codec.h).
// Shared by the Store and its snapshot and restore halves.
#ifndef MINIVAULT_FSM_STORE_DB_H_
#define MINIVAULT_FSM_STORE_DB_H_

#include <optional>
#include <string>

#include "kit/base/result.h"
#include "minivault/fsm/state_codec.h"
#include "minivault/lmdb/lmdb.h"

namespace vk::fsm {

struct StateDb {
  lmdb::Env env;
  lmdb::Dbi data;
  lmdb::Dbi config;
};

// Opens (creating) the file at `path` (one file, MDB_NOSUBDIR, mode 0600)
// and its two databases; `flags` adds to MDB_NOSUBDIR | MDB_NOTLS.
Result<StateDb> OpenStateDb(const std::string& path, size_t map_size,
                            unsigned flags);

// The config database; latest_indexes is {0, 0} and latest_config nullopt
// when absent. Malformed values are kCorruption.
struct ConfigState {
  IndexValue indexes;
  std::optional<Configuration> config;
};
Result<ConfigState> ReadConfig(const lmdb::Txn& txn, const StateDb& db);
Status PutIndexes(lmdb::Txn& txn, const StateDb& db, const IndexValue& v);
Status PutConfiguration(lmdb::Txn& txn, const StateDb& db,
                        const Configuration& c);

// unlink() that treats a missing file as success.
Status RemoveIfPresent(const std::string& path);

}  // namespace vk::fsm

#endif  // MINIVAULT_FSM_STORE_DB_H_
