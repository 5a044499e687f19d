// Store's restore half: a fresh file loaded from state.bin, then swapped in.
#include "minivault/fsm/store.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "kit/env/file.h"
#include "kit/snapshot/records.h"

namespace vk::fsm {

Store::PendingRestore::~PendingRestore() = default;

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
    db_.env.Close();
    if (!committed_) (void)RemoveIfPresent(store_->restore_path_);
    std::lock_guard l(store_->restore_mu_);
    store_->restore_pending_ = false;
  }

  Status Create() {
    VK_RETURN_IF_ERROR(RemoveIfPresent(store_->restore_path_));
    // MDB_NOLOCK: only this object uses the file, and it lets the open write
    // transaction span Feed calls made from different threads.
    VK_ASSIGN_OR_RETURN(db_, OpenStateDb(store_->restore_path_,
                                         store_->opt_.map_size, MDB_NOLOCK));
    return BeginBatch();
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
    if (st.ok()) st = db_.env.Sync("sync " + store_->restore_path_);
    if (!st.ok()) return Fail(st);
    finished_ = true;
    return Status::Ok();
  }

  // Writes the config database of the new file and closes it.
  Status Seal(const IndexValue& indexes,
              const std::optional<Configuration>& cfg) {
    VK_ASSIGN_OR_RETURN(lmdb::Txn txn,
                        lmdb::Txn::Begin(db_.env, 0, "restore config"));
    VK_RETURN_IF_ERROR(PutIndexes(txn, db_, indexes));
    if (cfg) VK_RETURN_IF_ERROR(PutConfiguration(txn, db_, *cfg));
    VK_RETURN_IF_ERROR(txn.Commit("restore config"));
    VK_RETURN_IF_ERROR(db_.env.Sync("sync " + store_->restore_path_));
    db_.env.Close();
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
        txn_.Put(db_.data, r.key, AsChars(r.value), 0, "put restored key"));
    batch_bytes_ += r.key.size() + r.value.size();
    if (++batch_ < kRestoreBatch && batch_bytes_ < kRestoreBatchBytes)
      return Status::Ok();
    batch_ = 0;
    batch_bytes_ = 0;
    VK_RETURN_IF_ERROR(txn_.Commit("restore batch"));
    return BeginBatch();
  }

  Status BeginBatch() {
    VK_ASSIGN_OR_RETURN(txn_, lmdb::Txn::Begin(db_.env, 0, "restore"));
    return Status::Ok();
  }

  Store* store_;
  uint64_t expected_;
  uint64_t fed_ = 0;
  uint64_t batch_ = 0;
  uint64_t batch_bytes_ = 0;
  StateDb db_;
  lmdb::Txn txn_;
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

}  // namespace vk::fsm
