// A thin RAII layer over LMDB for minivault's two stores (the raft log and
// the state machine): an environment, transactions that abort unless
// committed, database handles, cursors, and one mapping of LMDB's return
// codes to Status.
//
// It hides no LMDB semantics: flags are LMDB's own, views returned by Get
// and cursors point into the map and are valid only until their
// transaction ends (or, in a write transaction, until the next write).
// Lifetimes follow LMDB's rules, which the types cannot enforce: a Cursor
// must be destroyed before its Txn ends, a Txn before its Env closes, and
// Dbi handles belong to the Env that opened them.
#ifndef MINIVAULT_LMDB_LMDB_H_
#define MINIVAULT_LMDB_LMDB_H_

#include <lmdb.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "kit/base/result.h"
#include "kit/base/status.h"

namespace vk::lmdb {

// The one mapping of an LMDB return code (rc != 0) to a Status whose
// message is "<what>: <LMDB's text>": errno values (rc > 0) as ErrnoStatus;
// damage LMDB detects in the file (MDB_CORRUPTED, MDB_PAGE_NOTFOUND,
// MDB_INVALID, MDB_INCOMPATIBLE) as kCorruption; every other LMDB code
// (MDB_MAP_FULL, MDB_READERS_FULL, ...) as kIOError.
Status LmdbError(int rc, std::string_view what);

inline MDB_val Val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
inline std::string_view View(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

struct EnvOptions {
  // Upper bound on the file size (virtual, not allocated).
  size_t map_size = size_t{1} << 30;
  unsigned max_dbs = 0;
  unsigned max_readers = 0;  // 0: LMDB's default (126)
  unsigned flags = 0;        // MDB_NOSUBDIR, MDB_NOTLS, MDB_NOLOCK, ...
  unsigned mode = 0600;      // of created files
};

// An open environment; closed by the destructor. Move-only.
class Env {
 public:
  // Creates, configures and opens; on any failure nothing stays open.
  static Result<Env> Open(const std::string& path, const EnvOptions& options);

  Env() = default;
  ~Env() { Close(); }
  Env(Env&& other) noexcept : env_(other.env_) { other.env_ = nullptr; }
  Env& operator=(Env&& other) noexcept;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  bool is_open() const { return env_ != nullptr; }
  MDB_env* get() const { return env_; }
  void Close();

  // Flushes to disk (mdb_env_sync with force), for environments opened
  // with MDB_NOSYNC/MDB_NOLOCK or before a rename.
  Status Sync(std::string_view what);
  // The longest key this LMDB build accepts.
  size_t max_key_size() const;

 private:
  explicit Env(MDB_env* env) : env_(env) {}
  MDB_env* env_ = nullptr;
};

// A database handle (MDB_dbi) of one Env.
struct Dbi {
  MDB_dbi handle = 0;
};

// A transaction; aborted by the destructor unless committed. Move-only.
class Txn {
 public:
  // `flags` 0 for a write transaction, MDB_RDONLY for a read one. `what`
  // names it in errors ("begin <what> transaction").
  static Result<Txn> Begin(const Env& env, unsigned flags,
                           std::string_view what);

  Txn() = default;
  ~Txn() { Abort(); }
  Txn(Txn&& other) noexcept : txn_(other.txn_) { other.txn_ = nullptr; }
  Txn& operator=(Txn&& other) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  bool active() const { return txn_ != nullptr; }
  MDB_txn* get() const { return txn_; }

  // Ends the transaction either way; on failure nothing was written.
  Status Commit(std::string_view what);
  // Idempotent; a no-op when not active.
  void Abort();

  // Opens (with MDB_CREATE in `flags`: creating) a named database.
  Result<Dbi> OpenDbi(const char* name, unsigned flags);
  // nullopt when the key is absent.
  Result<std::optional<std::string_view>> Get(Dbi dbi,
                                              std::string_view key) const;
  Status Put(Dbi dbi, std::string_view key, std::string_view value,
             unsigned flags, std::string_view what);
  // MDB_RESERVE: room for `size` value bytes the caller fills before the
  // next write in this transaction.
  Result<char*> Reserve(Dbi dbi, std::string_view key, size_t size,
                        unsigned flags, std::string_view what);
  // False when the key was absent.
  Result<bool> Del(Dbi dbi, std::string_view key, std::string_view what);
  // Deletes every key of the database (which stays open).
  Status Clear(Dbi dbi, std::string_view what);
  Result<size_t> Count(Dbi dbi, std::string_view what) const;

 private:
  explicit Txn(MDB_txn* txn) : txn_(txn) {}
  MDB_txn* txn_ = nullptr;
};

// A cursor over one database in one transaction; closed by the destructor.
// The positioning calls return false when there is no such item (an empty
// database, the end); key() and value() are the current item's.
class Cursor {
 public:
  static Result<Cursor> Open(const Txn& txn, Dbi dbi);

  ~Cursor() { Close(); }
  Cursor(Cursor&& other) noexcept;
  Cursor& operator=(Cursor&& other) noexcept;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;

  Result<bool> First() { return Move(MDB_FIRST, "first"); }
  Result<bool> Last() { return Move(MDB_LAST, "last"); }
  Result<bool> Next() { return Move(MDB_NEXT, "next"); }
  // The first key >= `key` (the first key of all when `key` is empty).
  Result<bool> Seek(std::string_view key);
  // Deletes the current item.
  Status Del(std::string_view what);

  std::string_view key() const { return View(k_); }
  std::string_view value() const { return View(v_); }

 private:
  explicit Cursor(MDB_cursor* c) : c_(c) {}
  Result<bool> Move(MDB_cursor_op op, std::string_view what);
  void Close();

  MDB_cursor* c_ = nullptr;
  MDB_val k_{0, nullptr};
  MDB_val v_{0, nullptr};
};

}  // namespace vk::lmdb

#endif  // MINIVAULT_LMDB_LMDB_H_
