#include "minivault/fsm/store.h"

#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "kit/env/file.h"
#include "kit/snapshot/records.h"

namespace vk::fsm {
namespace {

constexpr unsigned kMaxReaders = 512;  // LMDB's default of 126 is small
                                       // for many HTTP threads.
constexpr size_t kPieceSize = 256 << 10;
// Values at least this big are written from the map, not copied.
constexpr size_t kDirectValueSize = 64 << 10;

Status LmdbStatus(const std::string& what, int rc) {
  if (rc > 0) return ErrnoStatus(what, rc);
  return IOError(what + ": " + mdb_strerror(rc));
}

MDB_val Val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
std::string_view View(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// A transaction that aborts unless committed.
struct Txn {
  MDB_txn* txn = nullptr;
  Txn() = default;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() { Abort(); }
  Status Begin(MDB_env* env, unsigned flags, const char* what) {
    int rc = mdb_txn_begin(env, nullptr, flags, &txn);
    if (rc != 0) {
      txn = nullptr;
      return LmdbStatus(std::string("begin ") + what + " transaction", rc);
    }
    return Status::Ok();
  }
  Status Commit(const std::string& what) {
    int rc = mdb_txn_commit(txn);
    txn = nullptr;
    return rc == 0 ? Status::Ok() : LmdbStatus("commit " + what, rc);
  }
  void Abort() {
    if (txn != nullptr) mdb_txn_abort(txn);
    txn = nullptr;
  }
};

struct Cursor {
  MDB_cursor* c = nullptr;
  ~Cursor() {
    if (c != nullptr) mdb_cursor_close(c);
  }
  Status Open(MDB_txn* txn, MDB_dbi dbi) {
    int rc = mdb_cursor_open(txn, dbi, &c);
    if (rc != 0) c = nullptr;
    return rc == 0 ? Status::Ok() : LmdbStatus("open cursor", rc);
  }
  // Positions at the first key >= `key`; false at the end.
  Result<bool> Seek(std::string_view key, MDB_val* k, MDB_val* v) {
    *k = Val(key);
    int rc = mdb_cursor_get(c, k, v, key.empty() ? MDB_FIRST : MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) return LmdbStatus("seek", rc);
    return true;
  }
  Result<bool> Next(MDB_val* k, MDB_val* v) {
    int rc = mdb_cursor_get(c, k, v, MDB_NEXT);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) return LmdbStatus("cursor next", rc);
    return true;
  }
};

// Runs the key through the same record parser a restore uses, so a key
// Apply accepts is one a restore of our own state.bin accepts too (non-empty,
// UTF-8, within the length limit).
Status CheckKey(std::string_view key, size_t max_key_size) {
  if (key.size() > max_key_size) {
    return InvalidArgument("a key of " + std::to_string(key.size()) +
                           " bytes is longer than the store's limit of " +
                           std::to_string(max_key_size) + " bytes");
  }
  if (key.empty()) return InvalidArgument("a key must not be empty");
  std::string rec;
  AppendStateRecord(&rec, key, "");
  snapshot::RecordScanner scanner(rec.size(), {}, nullptr);
  Status st = scanner.Feed(AsBytes(rec));
  if (st.ok()) st = scanner.Finish();
  if (!st.ok()) return InvalidArgument("a key is not valid UTF-8");
  return Status::Ok();
}

// Creates and opens an environment at `path` with databases "data" and
// "config". On failure *env is null.
Status OpenEnv(const std::string& path, size_t map_size, unsigned flags,
               MDB_env** env, MDB_dbi* data, MDB_dbi* config) {
  *env = nullptr;
  MDB_env* e;
  int rc = mdb_env_create(&e);
  if (rc != 0) return LmdbStatus("create LMDB environment", rc);
  if ((rc = mdb_env_set_maxdbs(e, 4)) != 0 ||
      (rc = mdb_env_set_mapsize(e, map_size)) != 0 ||
      (rc = mdb_env_set_maxreaders(e, kMaxReaders)) != 0 ||
      (rc = mdb_env_open(e, path.c_str(), flags | MDB_NOSUBDIR | MDB_NOTLS,
                         0600)) != 0) {
    mdb_env_close(e);
    return LmdbStatus("open " + path, rc);
  }
  Txn txn;
  Status st = txn.Begin(e, 0, "setup");
  if (st.ok() && (rc = mdb_dbi_open(txn.txn, "data", MDB_CREATE, data)) == 0 &&
      (rc = mdb_dbi_open(txn.txn, "config", MDB_CREATE, config)) == 0) {
    st = txn.Commit("database setup of " + path);
  } else if (st.ok()) {
    st = LmdbStatus("open databases in " + path, rc);
  }
  if (!st.ok()) {
    txn.Abort();
    mdb_env_close(e);
    return st;
  }
  *env = e;
  return Status::Ok();
}

Status Put(MDB_txn* txn, MDB_dbi dbi, std::string_view k, std::string_view v,
           const char* what) {
  MDB_val key = Val(k), val = Val(v);
  int rc = mdb_put(txn, dbi, &key, &val, 0);
  return rc == 0 ? Status::Ok() : LmdbStatus(std::string("put ") + what, rc);
}

Result<std::optional<std::string_view>> GetIn(MDB_txn* txn, MDB_dbi dbi,
                                              std::string_view k) {
  MDB_val key = Val(k), val;
  int rc = mdb_get(txn, dbi, &key, &val);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return LmdbStatus("get", rc);
  return std::optional<std::string_view>(View(val));
}

Status DeletePrefix(MDB_txn* txn, MDB_dbi dbi, std::string_view prefix) {
  Cursor cur;
  VK_RETURN_IF_ERROR(cur.Open(txn, dbi));
  for (;;) {
    MDB_val k, v;
    // Re-seek after each delete rather than rely on the cursor position
    // LMDB leaves behind a deletion.
    VK_ASSIGN_OR_RETURN(bool found, cur.Seek(prefix, &k, &v));
    if (!found || !View(k).starts_with(prefix)) return Status::Ok();
    int rc = mdb_cursor_del(cur.c, 0);
    if (rc != 0) return LmdbStatus("delete", rc);
  }
}

// Reads the config database: {latest_indexes, latest_config or nullopt}.
Status ReadConfig(MDB_txn* txn, MDB_dbi config, IndexValue* indexes,
                  std::optional<Configuration>* cfg) {
  VK_ASSIGN_OR_RETURN(auto iv, GetIn(txn, config, kLatestIndexesKey));
  *indexes = IndexValue{};
  if (iv) {
    VK_ASSIGN_OR_RETURN(*indexes, DecodeIndexValue(*iv));
  }
  VK_ASSIGN_OR_RETURN(auto cv, GetIn(txn, config, kLatestConfigKey));
  cfg->reset();
  if (cv) {
    VK_ASSIGN_OR_RETURN(*cfg, DecodeConfigurationValue(*cv));
  }
  return Status::Ok();
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status RemoveIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus("remove " + path, errno);
  }
  return Status::Ok();
}

}  // namespace

Store::Snapshot::~Snapshot() = default;
Store::PendingRestore::~PendingRestore() = default;

// ---------------------------------------------------------------- Snapshot

class Store::SnapshotImpl : public Store::Snapshot {
 public:
  explicit SnapshotImpl(const Store* store) : store_(store) {
    store_->BeginSnapshot();
  }
  ~SnapshotImpl() override {
    txn_.Abort();
    store_->EndSnapshot();
  }

  // Caller holds store_->env_mu_ shared.
  Status Init() {
    VK_RETURN_IF_ERROR(store_->CheckOpen());
    VK_RETURN_IF_ERROR(txn_.Begin(store_->env_, MDB_RDONLY, "snapshot"));
    data_ = store_->data_dbi_;
    IndexValue iv;
    std::optional<Configuration> cfg;
    VK_RETURN_IF_ERROR(ReadConfig(txn_.txn, store_->config_dbi_, &iv, &cfg));
    meta_.index = iv.index;
    meta_.term = iv.term;
    if (cfg) {
      meta_.servers = cfg->servers;
      meta_.configuration_index = cfg->index;
    }
    // First pass: Size must be in meta.json, which precedes state.bin.
    uint64_t size = 0;
    VK_RETURN_IF_ERROR(ForEach([&](std::string_view k, std::string_view v) {
      size += StateRecordSize(k.size(), v.size());
      return Status::Ok();
    }));
    meta_.size = static_cast<int64_t>(size);
    return Status::Ok();
  }

  const snapshot::SnapshotMeta& meta() const override { return meta_; }

  Status WriteState(ByteSink& out) override {
    std::string buf;
    buf.reserve(kPieceSize + kDirectValueSize);
    uint64_t written = 0;
    auto flush = [&]() -> Status {
      written += buf.size();
      Status st = out.Write(AsBytes(buf));
      buf.clear();
      return st;
    };
    VK_RETURN_IF_ERROR(ForEach([&](std::string_view k, std::string_view v) {
      AppendStateRecordHeader(&buf, k, v.size());
      if (v.size() >= kDirectValueSize) {
        VK_RETURN_IF_ERROR(flush());
        written += v.size();
        return out.Write(AsBytes(v));
      }
      buf.append(v);
      return buf.size() >= kPieceSize ? flush() : Status::Ok();
    }));
    if (!buf.empty()) VK_RETURN_IF_ERROR(flush());
    if (written != static_cast<uint64_t>(meta_.size)) {
      return Internal("snapshot wrote " + std::to_string(written) +
                      " bytes of state.bin but its meta says " +
                      std::to_string(meta_.size));
    }
    return Status::Ok();
  }

 private:
  template <typename F>
  Status ForEach(F&& f) {
    Cursor cur;
    VK_RETURN_IF_ERROR(cur.Open(txn_.txn, data_));
    MDB_val k, v;
    VK_ASSIGN_OR_RETURN(bool more, cur.Seek("", &k, &v));
    while (more) {
      VK_RETURN_IF_ERROR(f(View(k), View(v)));
      VK_ASSIGN_OR_RETURN(more, cur.Next(&k, &v));
    }
    return Status::Ok();
  }

  const Store* store_;
  Txn txn_;
  MDB_dbi data_ = 0;
  snapshot::SnapshotMeta meta_;
};

void Store::BeginSnapshot() const {
  std::unique_lock l(snap_mu_);
  snap_cv_.wait(l, [&] { return !swapping_; });
  ++open_snapshots_;
}

void Store::EndSnapshot() const {
  std::lock_guard l(snap_mu_);
  if (--open_snapshots_ == 0) snap_cv_.notify_all();
}

Result<std::unique_ptr<Store::Snapshot>> Store::OpenSnapshot() const {
  auto snap = std::make_unique<SnapshotImpl>(this);
  std::shared_lock l(env_mu_);
  VK_RETURN_IF_ERROR(snap->Init());
  return std::unique_ptr<Snapshot>(std::move(snap));
}

// ----------------------------------------------------------------- Restore

class Store::RestoreImpl : public Store::PendingRestore {
 public:
  RestoreImpl(Store* store, uint64_t expected)
      : store_(store),
        expected_(expected),
        scanner_(expected,
                 {.keep_values = true, .max_value_size = kMaxValueSize},
                 [this](const snapshot::StateRecord& r) { return Load(r); }) {}

  ~RestoreImpl() override {
    txn_.Abort();
    if (env_ != nullptr) mdb_env_close(env_);
    if (!committed_) (void)RemoveIfPresent(store_->restore_path_);
    std::lock_guard l(store_->restore_mu_);
    store_->restore_pending_ = false;
  }

  Status Create() {
    VK_RETURN_IF_ERROR(RemoveIfPresent(store_->restore_path_));
    // MDB_NOLOCK: only this object uses the file, and it lets the open write
    // transaction span Feed calls made from different threads.
    VK_RETURN_IF_ERROR(OpenEnv(store_->restore_path_, store_->opt_.map_size,
                               MDB_NOLOCK, &env_, &data_, &config_));
    return txn_.Begin(env_, 0, "restore");
  }

  Status Feed(ByteSpan data) override {
    VK_RETURN_IF_ERROR(status_);
    if (finished_) return FailedPrecondition("restore already finished");
    if (data.size() > expected_ - fed_) {
      return Fail(Corruption(SizeMismatch(fed_ + data.size())));
    }
    fed_ += data.size();
    Status st = scanner_.Feed(data);
    return st.ok() ? st : Fail(st);
  }

  Status Finish() override {
    VK_RETURN_IF_ERROR(status_);
    if (finished_) return Status::Ok();
    if (fed_ != expected_) {
      return Fail(Corruption(SizeMismatch(fed_)));
    }
    Status st = scanner_.Finish();
    if (st.ok()) st = txn_.Commit("restore batch");
    if (st.ok()) {
      int rc = mdb_env_sync(env_, 1);
      if (rc != 0) st = LmdbStatus("sync " + store_->restore_path_, rc);
    }
    if (!st.ok()) return Fail(st);
    finished_ = true;
    return Status::Ok();
  }

  // Writes the config database of the new file and closes it.
  Status Seal(const IndexValue& indexes,
              const std::optional<Configuration>& cfg) {
    Txn txn;
    VK_RETURN_IF_ERROR(txn.Begin(env_, 0, "restore config"));
    VK_RETURN_IF_ERROR(Put(txn.txn, config_, kLatestIndexesKey,
                           EncodeIndexValue(indexes), "latest_indexes"));
    if (cfg) {
      VK_RETURN_IF_ERROR(Put(txn.txn, config_, kLatestConfigKey,
                             EncodeConfigurationValue(*cfg), "latest_config"));
    }
    VK_RETURN_IF_ERROR(txn.Commit("restore config"));
    int rc = mdb_env_sync(env_, 1);
    if (rc != 0) return LmdbStatus("sync " + store_->restore_path_, rc);
    mdb_env_close(env_);
    env_ = nullptr;
    return Status::Ok();
  }

  Store* store() const { return store_; }
  bool finished() const { return finished_ && status_.ok(); }
  void set_committed() { committed_ = true; }

 private:
  std::string SizeMismatch(uint64_t got) const {
    return "failed to write snapshot, size didn't match (" +
           std::to_string(got) + " != " + std::to_string(expected_) + ")";
  }

  Status Fail(Status st) {
    txn_.Abort();
    status_ = st;
    return st;
  }

  Status Load(const snapshot::StateRecord& r) {
    if (r.key.size() > store_->max_key_size_) {
      return Corruption("state.bin record at offset " +
                        std::to_string(r.offset) + " has a key of " +
                        std::to_string(r.key.size()) +
                        " bytes, longer than this store's limit of " +
                        std::to_string(store_->max_key_size_));
    }
    VK_RETURN_IF_ERROR(
        Put(txn_.txn, data_, r.key, AsChars(r.value), "restored key"));
    batch_bytes_ += r.key.size() + r.value.size();
    if (++batch_ < kRestoreBatch && batch_bytes_ < kRestoreBatchBytes)
      return Status::Ok();
    batch_ = 0;
    batch_bytes_ = 0;
    VK_RETURN_IF_ERROR(txn_.Commit("restore batch"));
    return txn_.Begin(env_, 0, "restore");
  }

  Store* store_;
  uint64_t expected_;
  uint64_t fed_ = 0;
  uint64_t batch_ = 0;
  uint64_t batch_bytes_ = 0;
  MDB_env* env_ = nullptr;
  MDB_dbi data_ = 0, config_ = 0;
  Txn txn_;
  snapshot::RecordScanner scanner_;
  Status status_;
  bool finished_ = false;
  bool committed_ = false;
};

Result<std::unique_ptr<Store::PendingRestore>> Store::BeginRestore(
    uint64_t expected_size) {
  {
    std::lock_guard l(restore_mu_);
    if (restore_pending_) {
      return FailedPrecondition("another snapshot restore is in progress");
    }
    restore_pending_ = true;
  }
  // From here the destructor clears restore_pending_ and the temp file.
  auto r = std::make_unique<RestoreImpl>(this, expected_size);
  VK_RETURN_IF_ERROR(r->Create());
  return std::unique_ptr<PendingRestore>(std::move(r));
}

Status Store::CommitRestore(std::unique_ptr<PendingRestore> restore,
                            uint64_t term, uint64_t snapshot_index) {
  std::lock_guard w(write_mu_);
  IndexValue next{term, std::max(applied_index(), snapshot_index) + 1};
  std::optional<Configuration> cfg;
  {
    std::lock_guard l(state_mu_);
    cfg = config_;
  }
  return SwapInLocked(restore.get(), next, cfg);
}

Status Store::CommitInstall(std::unique_ptr<PendingRestore> restore,
                            uint64_t index, uint64_t term,
                            const Configuration& config) {
  std::lock_guard w(write_mu_);
  return SwapInLocked(restore.get(), IndexValue{term, index}, config);
}

Status Store::SwapInLocked(PendingRestore* restore, const IndexValue& next,
                           const std::optional<Configuration>& cfg) {
  auto* r = dynamic_cast<RestoreImpl*>(restore);
  if (r == nullptr || r->store() != this) {
    return InvalidArgument("the restore was not begun on this store");
  }
  if (!r->finished()) {
    return FailedPrecondition("the restore has not finished successfully");
  }
  VK_RETURN_IF_ERROR(r->Seal(next, cfg));

  {
    std::unique_lock l(snap_mu_);
    swapping_ = true;
    snap_cv_.wait(l, [&] { return open_snapshots_ == 0; });
  }
  std::unique_lock el(env_mu_);
  CloseEnvLocked();
  Status result;
  if (::rename(restore_path_.c_str(), db_path_.c_str()) != 0) {
    result = ErrnoStatus("rename " + restore_path_ + " to " + db_path_, errno);
  } else {
    r->set_committed();
    result = SyncDir(opt_.dir);
  }
  // Reopen whichever file is now vault.db: the new one, or the old one
  // after a failed rename.
  Status st = OpenEnvLocked();
  if (st.ok()) st = LoadStateLocked();
  el.unlock();
  {
    std::lock_guard l(snap_mu_);
    swapping_ = false;
  }
  snap_cv_.notify_all();
  return result.ok() ? st : result;
}

// ------------------------------------------------------------------- Store

Store::Store(Options options)
    : opt_(std::move(options)),
      db_path_(opt_.dir + "/vault.db"),
      restore_path_(opt_.dir + "/vault.db.restore") {}

Store::~Store() {
  std::unique_lock l(env_mu_);
  CloseEnvLocked();
}

Result<std::unique_ptr<Store>> Store::Open(const Options& options) {
  if (options.dir.empty()) return InvalidArgument("no store directory given");
  VK_RETURN_IF_ERROR(MakeDirs(options.dir, 0700));
  std::unique_ptr<Store> s(new Store(options));
  // A crash between BeginRestore and the rename leaves this behind.
  VK_RETURN_IF_ERROR(RemoveIfPresent(s->restore_path_));
  bool created = !Exists(s->db_path_);
  std::unique_lock l(s->env_mu_);
  VK_RETURN_IF_ERROR(s->OpenEnvLocked());
  // A property of the LMDB build, so it is set once here and read without
  // locks (a CommitRestore reopen never changes it).
  s->max_key_size_ = std::min<size_t>(
      kBoltMaxKeySize, static_cast<size_t>(mdb_env_get_maxkeysize(s->env_)));
  VK_RETURN_IF_ERROR(s->LoadStateLocked());
  if (created) VK_RETURN_IF_ERROR(SyncDir(options.dir));
  return s;
}

Status Store::OpenEnvLocked() {
  VK_RETURN_IF_ERROR(
      OpenEnv(db_path_, opt_.map_size, 0, &env_, &data_dbi_, &config_dbi_));
  return Status::Ok();
}

void Store::CloseEnvLocked() {
  if (env_ != nullptr) mdb_env_close(env_);
  env_ = nullptr;
}

Status Store::LoadStateLocked() {
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, MDB_RDONLY, "read"));
  IndexValue iv;
  std::optional<Configuration> cfg;
  VK_RETURN_IF_ERROR(ReadConfig(txn.txn, config_dbi_, &iv, &cfg));
  std::lock_guard l(state_mu_);
  applied_ = iv;
  config_ = std::move(cfg);
  return Status::Ok();
}

Status Store::CheckOpen() const {
  if (env_ == nullptr) {
    return FailedPrecondition(
        "the state store is closed after a failed reopen");
  }
  return Status::Ok();
}

Status Store::Apply(uint64_t index, uint64_t term, const Command& cmd,
                    const Configuration* config) {
  std::lock_guard w(write_mu_);
  if (index <= applied_index()) return Status::Ok();
  for (const Op& op : cmd.ops) {
    if (op.kind != Op::Kind::kPut && op.kind != Op::Kind::kDelete &&
        op.kind != Op::Kind::kDeletePrefix) {
      return InvalidArgument("unknown op kind " +
                             std::to_string(static_cast<int>(op.kind)));
    }
    VK_RETURN_IF_ERROR(CheckKey(op.key, max_key_size_));
    if (op.value.size() > kMaxValueSize) {
      return InvalidArgument("a value of " + std::to_string(op.value.size()) +
                             " bytes is larger than the limit of " +
                             std::to_string(kMaxValueSize));
    }
  }
  std::shared_lock l(env_mu_);
  VK_RETURN_IF_ERROR(CheckOpen());
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, 0, "apply"));
  for (const Op& op : cmd.ops) {
    if (op.kind == Op::Kind::kPut) {
      VK_RETURN_IF_ERROR(Put(txn.txn, data_dbi_, op.key, op.value, "key"));
    } else if (op.kind == Op::Kind::kDelete) {
      MDB_val k = Val(op.key);
      int rc = mdb_del(txn.txn, data_dbi_, &k, nullptr);
      if (rc != 0 && rc != MDB_NOTFOUND) return LmdbStatus("delete", rc);
    } else {
      VK_RETURN_IF_ERROR(DeletePrefix(txn.txn, data_dbi_, op.key));
    }
  }
  IndexValue iv{term, index};
  VK_RETURN_IF_ERROR(Put(txn.txn, config_dbi_, kLatestIndexesKey,
                         EncodeIndexValue(iv), "latest_indexes"));
  if (config != nullptr) {
    VK_RETURN_IF_ERROR(Put(txn.txn, config_dbi_, kLatestConfigKey,
                           EncodeConfigurationValue(*config), "latest_config"));
  }
  VK_RETURN_IF_ERROR(txn.Commit("apply of index " + std::to_string(index)));
  std::lock_guard s(state_mu_);
  applied_ = iv;
  if (config != nullptr) config_ = *config;
  return Status::Ok();
}

Status Store::SetConfiguration(const Configuration& config) {
  std::lock_guard w(write_mu_);
  std::shared_lock l(env_mu_);
  VK_RETURN_IF_ERROR(CheckOpen());
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, 0, "configuration"));
  VK_RETURN_IF_ERROR(Put(txn.txn, config_dbi_, kLatestConfigKey,
                         EncodeConfigurationValue(config), "latest_config"));
  VK_RETURN_IF_ERROR(txn.Commit("configuration"));
  std::lock_guard s(state_mu_);
  config_ = config;
  return Status::Ok();
}

Result<std::optional<std::string>> Store::Get(std::string_view key) const {
  // No stored key is empty or longer than the limit; LMDB would reject the
  // lookup itself.
  if (key.empty() || key.size() > max_key_size_) {
    return std::optional<std::string>();
  }
  std::shared_lock l(env_mu_);
  VK_RETURN_IF_ERROR(CheckOpen());
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, MDB_RDONLY, "read"));
  VK_ASSIGN_OR_RETURN(auto v, GetIn(txn.txn, data_dbi_, key));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

Result<std::vector<std::string>> Store::List(std::string_view prefix) const {
  std::vector<std::string> names;
  if (prefix.size() > max_key_size_) return names;
  std::shared_lock l(env_mu_);
  VK_RETURN_IF_ERROR(CheckOpen());
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, MDB_RDONLY, "list"));
  Cursor cur;
  VK_RETURN_IF_ERROR(cur.Open(txn.txn, data_dbi_));
  MDB_val k, v;
  VK_ASSIGN_OR_RETURN(bool more, cur.Seek(prefix, &k, &v));
  while (more && View(k).starts_with(prefix)) {
    std::string_view rest = View(k).substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      names.emplace_back(rest);
      VK_ASSIGN_OR_RETURN(more, cur.Next(&k, &v));
      continue;
    }
    names.emplace_back(rest.substr(0, slash + 1));
    // Jump past every key under this name: '0' is the byte after '/'.
    std::string next(View(k).substr(0, prefix.size() + slash));
    next.push_back('0');
    VK_ASSIGN_OR_RETURN(more, cur.Seek(next, &k, &v));
  }
  // Key order already sorts the names; this guards the invariant cheaply.
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

uint64_t Store::applied_index() const {
  std::lock_guard l(state_mu_);
  return applied_.index;
}

uint64_t Store::applied_term() const {
  std::lock_guard l(state_mu_);
  return applied_.term;
}

Configuration Store::configuration() const {
  std::lock_guard l(state_mu_);
  return config_.value_or(Configuration{});
}

}  // namespace vk::fsm
