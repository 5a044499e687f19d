#include "minivault/raftstore/log_store.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <type_traits>

#include "kit/env/file.h"
#include "minivault/raftstore/records.h"

namespace vk::raftstore {
namespace {

static_assert(std::is_same_v<MDB_dbi, unsigned int>);

constexpr char kFileName[] = "raft.db";
constexpr std::string_view kHardStateKey = "hard_state";
constexpr std::string_view kBaseKey = "base";

MDB_val Val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}
std::string_view View(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

Status LmdbStatus(const std::string& what, int rc) {
  if (rc > 0) return ErrnoStatus(what, rc);
  std::string msg = what + ": " + mdb_strerror(rc);
  if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID ||
      rc == MDB_INCOMPATIBLE) {
    return Corruption(msg);
  }
  return IOError(msg);
}

// A transaction that aborts unless committed.
struct Txn {
  MDB_txn* txn = nullptr;
  Txn() = default;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() {
    if (txn != nullptr) mdb_txn_abort(txn);
  }
  Status Begin(MDB_env* env, unsigned flags) {
    int rc = mdb_txn_begin(env, nullptr, flags, &txn);
    if (rc == 0) return Status::Ok();
    txn = nullptr;
    return LmdbStatus("begin raft log transaction", rc);
  }
  Status Commit(const std::string& what) {
    int rc = mdb_txn_commit(txn);
    txn = nullptr;
    return rc == 0 ? Status::Ok() : LmdbStatus("commit " + what, rc);
  }
};

struct Cursor {
  MDB_cursor* c = nullptr;
  Cursor() = default;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    if (c != nullptr) mdb_cursor_close(c);
  }
  Status Open(MDB_txn* txn, MDB_dbi dbi) {
    int rc = mdb_cursor_open(txn, dbi, &c);
    if (rc == 0) return Status::Ok();
    c = nullptr;
    return LmdbStatus("open raft log cursor", rc);
  }
  // False when there is no such item.
  Result<bool> Get(MDB_val* k, MDB_val* v, MDB_cursor_op op) {
    int rc = mdb_cursor_get(c, k, v, op);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) return LmdbStatus("read raft log", rc);
    return true;
  }
};

// ------------------------------------------------------------ accessors

Result<std::optional<std::string_view>> Get(MDB_txn* txn, MDB_dbi dbi,
                                            std::string_view key) {
  MDB_val k = Val(key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>();
  if (rc != 0) return LmdbStatus("read raft log", rc);
  return std::optional<std::string_view>(View(v));
}

Status Put(MDB_txn* txn, MDB_dbi dbi, std::string_view key,
           std::string_view value) {
  MDB_val k = Val(key), v = Val(value);
  int rc = mdb_put(txn, dbi, &k, &v, 0);
  return rc == 0 ? Status::Ok()
                 : LmdbStatus("write raft log " + std::string(key), rc);
}

Result<LogBase> ReadBase(MDB_txn* txn, MDB_dbi meta) {
  VK_ASSIGN_OR_RETURN(auto v, Get(txn, meta, kBaseKey));
  if (!v) return LogBase{};
  return DecodeBase(*v);
}

Result<raft::HardState> ReadHardState(MDB_txn* txn, MDB_dbi meta) {
  VK_ASSIGN_OR_RETURN(auto v, Get(txn, meta, kHardStateKey));
  if (!v) return raft::HardState{};
  return DecodeHardState(*v);
}

// The term of the stored entry at `index`, which must exist.
Result<uint64_t> TermAt(MDB_txn* txn, MDB_dbi entries, uint64_t index) {
  EntryKey key = MakeEntryKey(index);
  VK_ASSIGN_OR_RETURN(auto v, Get(txn, entries, KeyView(key)));
  if (!v) {
    return Corruption("raft log entry " + std::to_string(index) +
                      " is missing");
  }
  VK_ASSIGN_OR_RETURN(EntryView e, DecodeEntryRecord(KeyView(key), *v));
  return e.term;
}

// Deletes every entry with an index >= `from` (to_end) or <= `from`.
// Each step re-seeks rather than rely on where LMDB leaves a cursor after a
// deletion.
Status DeleteEntries(MDB_txn* txn, MDB_dbi entries, uint64_t from,
                     bool to_end) {
  Cursor cur;
  VK_RETURN_IF_ERROR(cur.Open(txn, entries));
  for (;;) {
    MDB_val k, v;
    VK_ASSIGN_OR_RETURN(bool found,
                        cur.Get(&k, &v, to_end ? MDB_LAST : MDB_FIRST));
    if (!found) return Status::Ok();
    VK_ASSIGN_OR_RETURN(uint64_t index, DecodeEntryKey(View(k)));
    if (to_end ? index < from : index > from) return Status::Ok();
    int rc = mdb_cursor_del(cur.c, 0);
    if (rc != 0) return LmdbStatus("delete raft log entry", rc);
  }
}

// Checks what Save can check without reading the file.
Status CheckBatch(const std::vector<raft::Entry>& entries, const LogBase& base,
                  uint64_t last_index) {
  if (entries.empty()) return Status::Ok();
  uint64_t first = entries.front().index;
  if (first <= base.index) {
    return InvalidArgument(
        "raft log entries start at index " + std::to_string(first) +
        ", not after the snapshot base " + std::to_string(base.index));
  }
  if (first > last_index + 1) {
    return InvalidArgument(
        "raft log entries start at index " + std::to_string(first) +
        ", leaving a gap after the last index " + std::to_string(last_index));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const raft::Entry& e = entries[i];
    std::string at = "raft log entry " + std::to_string(e.index);
    if (e.index != first + i) {
      return InvalidArgument(at + " follows index " +
                             std::to_string(first + i - 1) +
                             "; entries must be contiguous");
    }
    if (e.type != raft::Entry::Type::kNormal &&
        e.type != raft::Entry::Type::kConfChange) {
      return InvalidArgument(at + " has unknown type " +
                             std::to_string(static_cast<int>(e.type)));
    }
    if (e.term == 0) return InvalidArgument(at + " has term 0");
    if (i > 0 && e.term < entries[i - 1].term) {
      return InvalidArgument(at + " has term " + std::to_string(e.term) +
                             ", lower than the entry before it");
    }
  }
  return Status::Ok();
}

}  // namespace

// ----------------------------------------------------------------- store

LogStore::~LogStore() {
  if (env_ != nullptr) mdb_env_close(env_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<LogStore>> LogStore::Open(const Options& options) {
  if (options.dir.empty()) return InvalidArgument("no raft log directory");
  VK_RETURN_IF_ERROR(MakeDirs(options.dir, 0700));
  std::string path = options.dir + "/" + kFileName;
  struct stat st;
  bool created = ::stat(path.c_str(), &st) != 0;
  std::unique_ptr<LogStore> s(new LogStore(path));
  VK_RETURN_IF_ERROR(s->OpenEnv(options.map_size));
  VK_RETURN_IF_ERROR(s->ReadBounds());
  // Makes the new file names (raft.db, raft.db-lock) durable.
  if (created) VK_RETURN_IF_ERROR(SyncDir(options.dir));
  return s;
}

Status LogStore::OpenEnv(size_t map_size) {
  // LMDB lets many processes share a file; two raft hosts appending to one
  // log would break raft's safety, so one store owns it. The flock is taken
  // on a descriptor of our own before LMDB touches the file: a second opener
  // must not open the environment at all, because closing it would drop
  // this process's fcntl locks on raft.db-lock, which LMDB relies on. (An
  // empty raft.db is what LMDB creates anyway.)
  lock_fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return ErrnoStatus("open " + path_, errno);
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return FailedPrecondition(path_ +
                                " is already open in another raft log store");
    }
    return ErrnoStatus("lock " + path_, errno);
  }
  int rc = mdb_env_create(&env_);
  if (rc != 0) {
    env_ = nullptr;
    return LmdbStatus("create LMDB environment", rc);
  }
  // After a failed mdb_env_open the destructor still closes env_, as LMDB
  // requires.
  if ((rc = mdb_env_set_maxdbs(env_, 2)) != 0 ||
      (rc = mdb_env_set_mapsize(env_, map_size)) != 0 ||
      (rc = mdb_env_open(env_, path_.c_str(), MDB_NOSUBDIR | MDB_NOTLS,
                         0600)) != 0) {
    return LmdbStatus("open " + path_, rc);
  }
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, 0));
  if ((rc = mdb_dbi_open(txn.txn, "entries", MDB_CREATE, &entries_dbi_)) != 0 ||
      (rc = mdb_dbi_open(txn.txn, "meta", MDB_CREATE, &meta_dbi_)) != 0) {
    return LmdbStatus("open databases in " + path_, rc);
  }
  return txn.Commit("database setup of " + path_);
}

Status LogStore::ReadBounds() {
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, MDB_RDONLY));
  VK_ASSIGN_OR_RETURN(base_, ReadBase(txn.txn, meta_dbi_));
  VK_RETURN_IF_ERROR(ReadHardState(txn.txn, meta_dbi_).status());
  last_index_ = base_.index;
  Cursor cur;
  VK_RETURN_IF_ERROR(cur.Open(txn.txn, entries_dbi_));
  MDB_val k, v;
  VK_ASSIGN_OR_RETURN(bool any, cur.Get(&k, &v, MDB_FIRST));
  if (!any) return Status::Ok();
  VK_ASSIGN_OR_RETURN(EntryView first, DecodeEntryRecord(View(k), View(v)));
  if (first.index != base_.index + 1) {
    return Corruption("raft log starts at entry " +
                      std::to_string(first.index) + " but its base is " +
                      std::to_string(base_.index));
  }
  VK_RETURN_IF_ERROR(cur.Get(&k, &v, MDB_LAST).status());
  VK_ASSIGN_OR_RETURN(EntryView last, DecodeEntryRecord(View(k), View(v)));
  last_index_ = last.index;
  return Status::Ok();
}

Result<LogStore::State> LogStore::Load() const {
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, MDB_RDONLY));
  State s;
  VK_ASSIGN_OR_RETURN(s.base, ReadBase(txn.txn, meta_dbi_));
  VK_ASSIGN_OR_RETURN(s.hard_state, ReadHardState(txn.txn, meta_dbi_));
  MDB_stat stat;
  int rc = mdb_stat(txn.txn, entries_dbi_, &stat);
  if (rc != 0) return LmdbStatus("stat " + path_, rc);
  s.entries.reserve(stat.ms_entries);
  Cursor cur;
  VK_RETURN_IF_ERROR(cur.Open(txn.txn, entries_dbi_));
  MDB_val k, v;
  VK_ASSIGN_OR_RETURN(bool more, cur.Get(&k, &v, MDB_FIRST));
  uint64_t prev_index = s.base.index, prev_term = s.base.term;
  while (more) {
    VK_ASSIGN_OR_RETURN(EntryView e, DecodeEntryRecord(View(k), View(v)));
    if (e.index != prev_index + 1) {
      return Corruption(
          "raft log entry " + std::to_string(e.index) + " follows " +
          (s.entries.empty() ? "the base " : "entry ") +
          std::to_string(prev_index) + "; the log must be contiguous");
    }
    if (e.term < prev_term) {
      return Corruption("raft log entry " + std::to_string(e.index) +
                        " has term " + std::to_string(e.term) +
                        ", lower than the " + std::to_string(prev_term) +
                        " before it");
    }
    s.entries.push_back(raft::Entry{.index = e.index,
                                    .term = e.term,
                                    .type = e.type,
                                    .data = std::string(e.data)});
    prev_index = e.index;
    prev_term = e.term;
    VK_ASSIGN_OR_RETURN(more, cur.Get(&k, &v, MDB_NEXT));
  }
  return s;
}

Status LogStore::CheckWritable() const {
  if (failed_.ok()) return Status::Ok();
  return FailedPrecondition(
      "an earlier raft log commit failed, so the disk state is unknown; "
      "reopen the store (" +
      failed_.message() + ")");
}

Status LogStore::LatchCommit(Status st) {
  if (!st.ok()) failed_ = st;
  return st;
}

Status LogStore::Save(const std::optional<raft::HardState>& hs,
                      const std::vector<raft::Entry>& entries) {
  VK_RETURN_IF_ERROR(CheckWritable());
  if (!hs && entries.empty()) return Status::Ok();
  VK_RETURN_IF_ERROR(CheckBatch(entries, base_, last_index_));
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, 0));
  if (!entries.empty()) {
    uint64_t first = entries.front().index;
    uint64_t prev_term = base_.term;
    if (first - 1 > base_.index) {
      VK_ASSIGN_OR_RETURN(prev_term, TermAt(txn.txn, entries_dbi_, first - 1));
    }
    if (entries.front().term < prev_term) {
      return InvalidArgument(
          "raft log entry " + std::to_string(first) + " has term " +
          std::to_string(entries.front().term) + ", lower than the " +
          std::to_string(prev_term) + " of the entry before it");
    }
    if (first <= last_index_) {
      VK_RETURN_IF_ERROR(DeleteEntries(txn.txn, entries_dbi_, first, true));
    }
    // Every key is now above all stored ones: MDB_APPEND skips the search,
    // and MDB_RESERVE lets the record be encoded straight into the map.
    for (const raft::Entry& e : entries) {
      EntryKey key = MakeEntryKey(e.index);
      MDB_val k = Val(KeyView(key));
      MDB_val v{EntryRecordSize(e), nullptr};
      int rc = mdb_put(txn.txn, entries_dbi_, &k, &v, MDB_APPEND | MDB_RESERVE);
      if (rc != 0) {
        return LmdbStatus("write raft log entry " + std::to_string(e.index),
                          rc);
      }
      EncodeEntryRecord(e, static_cast<char*>(v.mv_data));
    }
  }
  if (hs) {
    VK_RETURN_IF_ERROR(
        Put(txn.txn, meta_dbi_, kHardStateKey, EncodeHardState(*hs)));
  }
  VK_RETURN_IF_ERROR(LatchCommit(txn.Commit("raft log save to " + path_)));
  if (!entries.empty()) last_index_ = entries.back().index;
  return Status::Ok();
}

Status LogStore::Compact(const LogBase& base) {
  VK_RETURN_IF_ERROR(CheckWritable());
  if (base.index < base_.index || base.index > last_index_) {
    return InvalidArgument("cannot compact the raft log to index " +
                           std::to_string(base.index) + ": it holds " +
                           std::to_string(base_.index) + " (base) to " +
                           std::to_string(last_index_));
  }
  if (base == base_) return Status::Ok();
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, 0));
  uint64_t term = base_.term;
  if (base.index > base_.index) {
    VK_ASSIGN_OR_RETURN(term, TermAt(txn.txn, entries_dbi_, base.index));
  }
  if (term != base.term) {
    return InvalidArgument("cannot compact the raft log to index " +
                           std::to_string(base.index) + " with term " +
                           std::to_string(base.term) + ": its term is " +
                           std::to_string(term));
  }
  VK_RETURN_IF_ERROR(DeleteEntries(txn.txn, entries_dbi_, base.index, false));
  VK_RETURN_IF_ERROR(Put(txn.txn, meta_dbi_, kBaseKey, EncodeBase(base)));
  VK_RETURN_IF_ERROR(
      LatchCommit(txn.Commit("raft log compaction of " + path_)));
  base_ = base;
  return Status::Ok();
}

Status LogStore::Reset(const LogBase& base,
                       const std::optional<raft::HardState>& hs) {
  VK_RETURN_IF_ERROR(CheckWritable());
  if ((base.index == 0) != (base.term == 0)) {
    return InvalidArgument(
        "a raft log base needs index and term both zero "
        "or both set, not index " +
        std::to_string(base.index) + " with term " + std::to_string(base.term));
  }
  Txn txn;
  VK_RETURN_IF_ERROR(txn.Begin(env_, 0));
  int rc = mdb_drop(txn.txn, entries_dbi_, 0);
  if (rc != 0) return LmdbStatus("clear raft log " + path_, rc);
  VK_RETURN_IF_ERROR(Put(txn.txn, meta_dbi_, kBaseKey, EncodeBase(base)));
  if (hs) {
    VK_RETURN_IF_ERROR(
        Put(txn.txn, meta_dbi_, kHardStateKey, EncodeHardState(*hs)));
  }
  VK_RETURN_IF_ERROR(LatchCommit(txn.Commit("raft log reset of " + path_)));
  base_ = base;
  last_index_ = base.index;
  return Status::Ok();
}

}  // namespace vk::raftstore
