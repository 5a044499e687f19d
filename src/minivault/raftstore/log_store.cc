#include "minivault/raftstore/log_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>

#include "kit/env/file.h"
#include "minivault/lmdb/lmdb.h"
#include "minivault/raftstore/records.h"

namespace vk::raftstore {
namespace {

using lmdb::Cursor;
using lmdb::Dbi;
using lmdb::Txn;

constexpr char kFileName[] = "raft.db";
constexpr std::string_view kHardStateKey = "hard_state";
constexpr std::string_view kBaseKey = "base";
constexpr std::string_view kTxnName = "raft log";

Status Put(Txn& txn, Dbi dbi, std::string_view key, std::string_view value) {
  return txn.Put(dbi, key, value, 0, "write raft log " + std::string(key));
}

Result<LogBase> ReadBase(const Txn& txn, Dbi meta) {
  VK_ASSIGN_OR_RETURN(auto v, txn.Get(meta, kBaseKey));
  if (!v) return LogBase{};
  return DecodeBase(*v);
}

Result<raft::HardState> ReadHardState(const Txn& txn, Dbi meta) {
  VK_ASSIGN_OR_RETURN(auto v, txn.Get(meta, kHardStateKey));
  if (!v) return raft::HardState{};
  return DecodeHardState(*v);
}

// The term of the stored entry at `index`, which must exist.
Result<uint64_t> TermAt(const Txn& txn, Dbi entries, uint64_t index) {
  EntryKey key = MakeEntryKey(index);
  VK_ASSIGN_OR_RETURN(auto v, txn.Get(entries, KeyView(key)));
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
Status DeleteEntries(const Txn& txn, Dbi entries, uint64_t from, bool to_end) {
  VK_ASSIGN_OR_RETURN(Cursor cur, Cursor::Open(txn, entries));
  for (;;) {
    VK_ASSIGN_OR_RETURN(bool found, to_end ? cur.Last() : cur.First());
    if (!found) return Status::Ok();
    VK_ASSIGN_OR_RETURN(uint64_t index, DecodeEntryKey(cur.key()));
    if (to_end ? index < from : index > from) return Status::Ok();
    VK_RETURN_IF_ERROR(cur.Del("delete raft log entry"));
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
  env_.Close();  // before the flock goes (see OpenEnv)
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
  VK_ASSIGN_OR_RETURN(env_,
                      lmdb::Env::Open(path_, {.map_size = map_size,
                                              .max_dbs = 2,
                                              .flags = MDB_NOSUBDIR | MDB_NOTLS,
                                              .mode = 0600}));
  VK_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, 0, kTxnName));
  VK_ASSIGN_OR_RETURN(entries_dbi_, txn.OpenDbi("entries", MDB_CREATE));
  VK_ASSIGN_OR_RETURN(meta_dbi_, txn.OpenDbi("meta", MDB_CREATE));
  return txn.Commit("database setup of " + path_);
}

Status LogStore::ReadBounds() {
  VK_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, MDB_RDONLY, kTxnName));
  VK_ASSIGN_OR_RETURN(base_, ReadBase(txn, meta_dbi_));
  VK_RETURN_IF_ERROR(ReadHardState(txn, meta_dbi_).status());
  last_index_ = base_.index;
  VK_ASSIGN_OR_RETURN(Cursor cur, Cursor::Open(txn, entries_dbi_));
  VK_ASSIGN_OR_RETURN(bool any, cur.First());
  if (!any) return Status::Ok();
  VK_ASSIGN_OR_RETURN(EntryView first,
                      DecodeEntryRecord(cur.key(), cur.value()));
  if (first.index != base_.index + 1) {
    return Corruption("raft log starts at entry " +
                      std::to_string(first.index) + " but its base is " +
                      std::to_string(base_.index));
  }
  VK_RETURN_IF_ERROR(cur.Last().status());
  VK_ASSIGN_OR_RETURN(EntryView last,
                      DecodeEntryRecord(cur.key(), cur.value()));
  last_index_ = last.index;
  return Status::Ok();
}

Result<LogStore::State> LogStore::Load() const {
  VK_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, MDB_RDONLY, kTxnName));
  State s;
  VK_ASSIGN_OR_RETURN(s.base, ReadBase(txn, meta_dbi_));
  VK_ASSIGN_OR_RETURN(s.hard_state, ReadHardState(txn, meta_dbi_));
  VK_ASSIGN_OR_RETURN(size_t count, txn.Count(entries_dbi_, "stat " + path_));
  s.entries.reserve(count);
  VK_ASSIGN_OR_RETURN(Cursor cur, Cursor::Open(txn, entries_dbi_));
  VK_ASSIGN_OR_RETURN(bool more, cur.First());
  uint64_t prev_index = s.base.index, prev_term = s.base.term;
  while (more) {
    VK_ASSIGN_OR_RETURN(EntryView e, DecodeEntryRecord(cur.key(), cur.value()));
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
    VK_ASSIGN_OR_RETURN(more, cur.Next());
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
  VK_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, 0, kTxnName));
  if (!entries.empty()) {
    uint64_t first = entries.front().index;
    uint64_t prev_term = base_.term;
    if (first - 1 > base_.index) {
      VK_ASSIGN_OR_RETURN(prev_term, TermAt(txn, entries_dbi_, first - 1));
    }
    if (entries.front().term < prev_term) {
      return InvalidArgument(
          "raft log entry " + std::to_string(first) + " has term " +
          std::to_string(entries.front().term) + ", lower than the " +
          std::to_string(prev_term) + " of the entry before it");
    }
    if (first <= last_index_) {
      VK_RETURN_IF_ERROR(DeleteEntries(txn, entries_dbi_, first, true));
    }
    // Every key is now above all stored ones: MDB_APPEND skips the search,
    // and MDB_RESERVE lets the record be encoded straight into the map.
    for (const raft::Entry& e : entries) {
      EntryKey key = MakeEntryKey(e.index);
      VK_ASSIGN_OR_RETURN(
          char* room,
          txn.Reserve(entries_dbi_, KeyView(key), EntryRecordSize(e),
                      MDB_APPEND,
                      "write raft log entry " + std::to_string(e.index)));
      EncodeEntryRecord(e, room);
    }
  }
  if (hs) {
    VK_RETURN_IF_ERROR(
        Put(txn, meta_dbi_, kHardStateKey, EncodeHardState(*hs)));
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
  VK_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, 0, kTxnName));
  uint64_t term = base_.term;
  if (base.index > base_.index) {
    VK_ASSIGN_OR_RETURN(term, TermAt(txn, entries_dbi_, base.index));
  }
  if (term != base.term) {
    return InvalidArgument("cannot compact the raft log to index " +
                           std::to_string(base.index) + " with term " +
                           std::to_string(base.term) + ": its term is " +
                           std::to_string(term));
  }
  VK_RETURN_IF_ERROR(DeleteEntries(txn, entries_dbi_, base.index, false));
  VK_RETURN_IF_ERROR(Put(txn, meta_dbi_, kBaseKey, EncodeBase(base)));
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
  VK_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, 0, kTxnName));
  VK_RETURN_IF_ERROR(txn.Clear(entries_dbi_, "clear raft log " + path_));
  VK_RETURN_IF_ERROR(Put(txn, meta_dbi_, kBaseKey, EncodeBase(base)));
  if (hs) {
    VK_RETURN_IF_ERROR(
        Put(txn, meta_dbi_, kHardStateKey, EncodeHardState(*hs)));
  }
  VK_RETURN_IF_ERROR(LatchCommit(txn.Commit("raft log reset of " + path_)));
  base_ = base;
  last_index_ = base.index;
  return Status::Ok();
}

}  // namespace vk::raftstore
