#include "minivault/fsm/store.h"

#include <sys/stat.h>

#include <algorithm>

#include "kit/env/file.h"
#include "kit/snapshot/records.h"

namespace vk::fsm {
namespace {

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

Status DeletePrefix(const lmdb::Txn& txn, lmdb::Dbi dbi,
                    std::string_view prefix) {
  VK_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn, dbi));
  for (;;) {
    // Re-seek after each delete rather than rely on the cursor position
    // LMDB leaves behind a deletion.
    VK_ASSIGN_OR_RETURN(bool found, cur.Seek(prefix));
    if (!found || !cur.key().starts_with(prefix)) return Status::Ok();
    VK_RETURN_IF_ERROR(cur.Del("delete"));
  }
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

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
  s->max_key_size_ =
      std::min<size_t>(kBoltMaxKeySize, s->db_.env.max_key_size());
  VK_RETURN_IF_ERROR(s->LoadStateLocked());
  if (created) VK_RETURN_IF_ERROR(SyncDir(options.dir));
  return s;
}

Status Store::OpenEnvLocked() {
  VK_ASSIGN_OR_RETURN(db_, OpenStateDb(db_path_, opt_.map_size, 0));
  return Status::Ok();
}

void Store::CloseEnvLocked() { db_.env.Close(); }

Status Store::LoadStateLocked() {
  VK_ASSIGN_OR_RETURN(lmdb::Txn txn,
                      lmdb::Txn::Begin(db_.env, MDB_RDONLY, "read"));
  VK_ASSIGN_OR_RETURN(ConfigState cs, ReadConfig(txn, db_));
  std::lock_guard l(state_mu_);
  applied_ = cs.indexes;
  config_ = std::move(cs.config);
  return Status::Ok();
}

Status Store::CheckOpen() const {
  if (!db_.env.is_open()) {
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
  VK_ASSIGN_OR_RETURN(lmdb::Txn txn, lmdb::Txn::Begin(db_.env, 0, "apply"));
  for (const Op& op : cmd.ops) {
    if (op.kind == Op::Kind::kPut) {
      VK_RETURN_IF_ERROR(txn.Put(db_.data, op.key, op.value, 0, "put key"));
    } else if (op.kind == Op::Kind::kDelete) {
      VK_RETURN_IF_ERROR(txn.Del(db_.data, op.key, "delete").status());
    } else {
      VK_RETURN_IF_ERROR(DeletePrefix(txn, db_.data, op.key));
    }
  }
  IndexValue iv{term, index};
  VK_RETURN_IF_ERROR(PutIndexes(txn, db_, iv));
  if (config != nullptr)
    VK_RETURN_IF_ERROR(PutConfiguration(txn, db_, *config));
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
  VK_ASSIGN_OR_RETURN(lmdb::Txn txn,
                      lmdb::Txn::Begin(db_.env, 0, "configuration"));
  VK_RETURN_IF_ERROR(PutConfiguration(txn, db_, config));
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
  VK_ASSIGN_OR_RETURN(lmdb::Txn txn,
                      lmdb::Txn::Begin(db_.env, MDB_RDONLY, "read"));
  VK_ASSIGN_OR_RETURN(auto v, txn.Get(db_.data, key));
  if (!v) return std::optional<std::string>();
  return std::optional<std::string>(std::string(*v));
}

Result<std::vector<std::string>> Store::List(std::string_view prefix) const {
  std::vector<std::string> names;
  if (prefix.size() > max_key_size_) return names;
  std::shared_lock l(env_mu_);
  VK_RETURN_IF_ERROR(CheckOpen());
  VK_ASSIGN_OR_RETURN(lmdb::Txn txn,
                      lmdb::Txn::Begin(db_.env, MDB_RDONLY, "list"));
  VK_ASSIGN_OR_RETURN(lmdb::Cursor cur, lmdb::Cursor::Open(txn, db_.data));
  VK_ASSIGN_OR_RETURN(bool more, cur.Seek(prefix));
  while (more && cur.key().starts_with(prefix)) {
    std::string_view rest = cur.key().substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
      names.emplace_back(rest);
      VK_ASSIGN_OR_RETURN(more, cur.Next());
      continue;
    }
    names.emplace_back(rest.substr(0, slash + 1));
    // Jump past every key under this name: '0' is the byte after '/'.
    std::string next(cur.key().substr(0, prefix.size() + slash));
    next.push_back('0');
    VK_ASSIGN_OR_RETURN(more, cur.Seek(next));
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
