#include "minivault/lmdb/lmdb.h"

#include <utility>

namespace vk::lmdb {

Status LmdbError(int rc, std::string_view what) {
  if (rc > 0) return ErrnoStatus(what, rc);
  std::string msg = std::string(what) + ": " + mdb_strerror(rc);
  if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
      rc == MDB_INCOMPATIBLE) {
    return Corruption(std::move(msg));
  }
  return IOError(std::move(msg));
}

// --------------------------------------------------------------------- Env

Result<Env> Env::Open(const std::string& path, const EnvOptions& options) {
  MDB_env* raw = nullptr;
  int rc = mdb_env_create(&raw);
  if (rc != 0) return LmdbError(rc, "create LMDB environment");
  // Owns raw from here: a failed mdb_env_open still needs mdb_env_close.
  Env env(raw);
  if ((options.max_dbs != 0 &&
       (rc = mdb_env_set_maxdbs(raw, options.max_dbs)) != 0) ||
      (rc = mdb_env_set_mapsize(raw, options.map_size)) != 0 ||
      (options.max_readers != 0 &&
       (rc = mdb_env_set_maxreaders(raw, options.max_readers)) != 0) ||
      (rc = mdb_env_open(raw, path.c_str(), options.flags, options.mode)) !=
          0) {
    return LmdbError(rc, "open " + path);
  }
  return env;
}

Env& Env::operator=(Env&& other) noexcept {
  if (this != &other) {
    Close();
    env_ = std::exchange(other.env_, nullptr);
  }
  return *this;
}

void Env::Close() {
  if (env_ != nullptr) mdb_env_close(env_);
  env_ = nullptr;
}

Status Env::Sync(std::string_view what) {
  int rc = mdb_env_sync(env_, 1);
  return rc == 0 ? Status::Ok() : LmdbError(rc, what);
}

size_t Env::max_key_size() const {
  return static_cast<size_t>(mdb_env_get_maxkeysize(env_));
}

// --------------------------------------------------------------------- Txn

Result<Txn> Txn::Begin(const Env& env, unsigned flags, std::string_view what) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env.get(), nullptr, flags, &txn);
  if (rc != 0) {
    return LmdbError(rc, "begin " + std::string(what) + " transaction");
  }
  return Txn(txn);
}

Txn& Txn::operator=(Txn&& other) noexcept {
  if (this != &other) {
    Abort();
    txn_ = std::exchange(other.txn_, nullptr);
  }
  return *this;
}

Status Txn::Commit(std::string_view what) {
  // mdb_txn_commit frees the transaction whether or not it succeeds.
  int rc = mdb_txn_commit(std::exchange(txn_, nullptr));
  return rc == 0 ? Status::Ok() : LmdbError(rc, "commit " + std::string(what));
}

void Txn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Result<Dbi> Txn::OpenDbi(const char* name, unsigned flags) {
  Dbi dbi;
  int rc = mdb_dbi_open(txn_, name, flags, &dbi.handle);
  if (rc != 0) return LmdbError(rc, "open database " + std::string(name));
  return dbi;
}

Result<std::optional<std::string_view>> Txn::Get(Dbi dbi,
                                                 std::string_view key) const {
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn_, dbi.handle, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return LmdbError(rc, "get");
  return std::optional<std::string_view>(View(v));
}

Status Txn::Put(Dbi dbi, std::string_view key, std::string_view value,
                unsigned flags, std::string_view what) {
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_put(txn_, dbi.handle, &k, &v, flags);
  return rc == 0 ? Status::Ok() : LmdbError(rc, what);
}

Result<char*> Txn::Reserve(Dbi dbi, std::string_view key, size_t size,
                           unsigned flags, std::string_view what) {
  MDB_val k = Val(key), v{size, nullptr};
  int rc = mdb_put(txn_, dbi.handle, &k, &v, flags | MDB_RESERVE);
  if (rc != 0) return LmdbError(rc, what);
  return static_cast<char*>(v.mv_data);
}

Result<bool> Txn::Del(Dbi dbi, std::string_view key, std::string_view what) {
  MDB_val k = Val(key);
  int rc = mdb_del(txn_, dbi.handle, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return LmdbError(rc, what);
  return true;
}

Status Txn::Clear(Dbi dbi, std::string_view what) {
  int rc = mdb_drop(txn_, dbi.handle, 0);
  return rc == 0 ? Status::Ok() : LmdbError(rc, what);
}

Result<size_t> Txn::Count(Dbi dbi, std::string_view what) const {
  MDB_stat st;
  int rc = mdb_stat(txn_, dbi.handle, &st);
  if (rc != 0) return LmdbError(rc, what);
  return static_cast<size_t>(st.ms_entries);
}

// ------------------------------------------------------------------ Cursor

Result<Cursor> Cursor::Open(const Txn& txn, Dbi dbi) {
  MDB_cursor* c = nullptr;
  int rc = mdb_cursor_open(txn.get(), dbi.handle, &c);
  if (rc != 0) return LmdbError(rc, "open cursor");
  return Cursor(c);
}

Cursor::Cursor(Cursor&& other) noexcept
    : c_(std::exchange(other.c_, nullptr)), k_(other.k_), v_(other.v_) {}

Cursor& Cursor::operator=(Cursor&& other) noexcept {
  if (this != &other) {
    Close();
    c_ = std::exchange(other.c_, nullptr);
    k_ = other.k_;
    v_ = other.v_;
  }
  return *this;
}

void Cursor::Close() {
  if (c_ != nullptr) mdb_cursor_close(c_);
  c_ = nullptr;
}

Result<bool> Cursor::Move(MDB_cursor_op op, std::string_view what) {
  int rc = mdb_cursor_get(c_, &k_, &v_, op);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return LmdbError(rc, "cursor " + std::string(what));
  return true;
}

Result<bool> Cursor::Seek(std::string_view key) {
  if (key.empty()) return First();
  k_ = Val(key);
  return Move(MDB_SET_RANGE, "seek");
}

Status Cursor::Del(std::string_view what) {
  int rc = mdb_cursor_del(c_, 0);
  return rc == 0 ? Status::Ok() : LmdbError(rc, what);
}

}  // namespace vk::lmdb
