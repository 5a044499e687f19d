// Store's snapshot half: a read view that streams state.bin.
#include "minivault/fsm/store.h"

namespace vk::fsm {
namespace {

constexpr size_t kPieceSize = 256 << 10;
// Values at least this big are written from the map, not copied.
constexpr size_t kDirectValueSize = 64 << 10;

}  // namespace

Store::Snapshot::~Snapshot() = default;

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
    VK_ASSIGN_OR_RETURN(
        txn_, lmdb::Txn::Begin(store_->db_.env, MDB_RDONLY, "snapshot"));
    data_ = store_->db_.data;
    VK_ASSIGN_OR_RETURN(ConfigState cs, ReadConfig(txn_, store_->db_));
    meta_.index = cs.indexes.index;
    meta_.term = cs.indexes.term;
    if (cs.config) {
      meta_.servers = cs.config->servers;
      meta_.configuration_index = cs.config->index;
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
    VK_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn_, data_));
    VK_ASSIGN_OR_RETURN(bool more, cur.First());
    while (more) {
      VK_RETURN_IF_ERROR(f(cur.key(), cur.value()));
      VK_ASSIGN_OR_RETURN(more, cur.Next());
    }
    return Status::Ok();
  }

  const Store* store_;
  lmdb::Txn txn_;
  lmdb::Dbi data_;
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

}  // namespace vk::fsm
