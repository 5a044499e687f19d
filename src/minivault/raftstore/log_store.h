// LogStore: the durable raft log of one node, the storage half of the Ready
// contract (docs/raft.md): the host persists the hard state and the new
// entries with one Save, and only after it returns OK sends the Ready's
// messages.
//
// One LMDB file, <dir>/raft.db (plus LMDB's raft.db-lock), separate from
// the state machine's file. Every mutating call is one write transaction
// and LMDB fsyncs on each commit, so a call that returned OK survives a
// kill -9 or a power loss, and one that failed left the file as it was.
// The layout and record encoding are in docs/raftstore.md.
//
// The log holds the entries after a base: the last entry covered by the
// application's snapshot. Load reads the whole log into memory; that is
// fine because the host compacts every few thousand entries, and it is what
// raft::Node::Start takes.
//
// Every record carries a checksum that binds it to its index; Open and
// Load report damage (a bad record, a gap, an entry that does not follow
// the base, terms that go backwards) as kCorruption instead of crashing.
// Damage inside LMDB's own page structure is caught only as far as LMDB
// checks it.
//
// After a failed commit (an fsync error leaves the disk in an unknown
// state) every later write fails with kFailedPrecondition: reopen the store
// (restart the node) to continue from what is really on disk.
//
// Not thread-safe: one owner (the host's raft loop) makes all calls. The
// file is flock()ed, so a second LogStore on the same directory (in this or
// another process) fails to open with kFailedPrecondition.
#ifndef MINIVAULT_RAFTSTORE_LOG_STORE_H_
#define MINIVAULT_RAFTSTORE_LOG_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "kit/base/status.h"
#include "minivault/lmdb/lmdb.h"
#include "minivault/raft/types.h"
#include "minivault/raftstore/records.h"

namespace vk::raftstore {

class LogStore {
 public:
  struct Options {
    std::string dir;
    // Upper bound on the file size (LMDB's map; virtual, not allocated). A
    // Save that would exceed it fails with kIOError "MDB_MAP_FULL" and
    // writes nothing.
    size_t map_size = size_t{8} << 30;
  };

  // What is on disk. `entries` are contiguous from base.index + 1 with
  // terms that never decrease (and are >= base.term).
  struct State {
    raft::HardState hard_state;
    LogBase base;
    std::vector<raft::Entry> entries;
  };

  // Opens (creating) <dir>/raft.db. The directory is created with mode 0700,
  // the files 0600. Checks the metadata and the ends of the log; a damaged
  // file is kCorruption.
  static Result<std::unique_ptr<LogStore>> Open(const Options& options);
  ~LogStore();
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Reads and validates everything on disk.
  Result<State> Load() const;

  // One durable transaction: writes `hs` if given, and `entries`, which must
  // have ascending contiguous indexes, types kNormal/kConfChange, and terms
  // >= 1 that never decrease (also against the entry before the first).
  // The first index must be > base().index and <= last_index() + 1; a first
  // index <= last_index() is a raft log truncation: the stored entry at that
  // index and every later one are deleted before the new ones are written.
  // A violation is kInvalidArgument and writes nothing (not even `hs`).
  // Only the entry before the first is read back, never the whole log.
  Status Save(const std::optional<raft::HardState>& hs,
              const std::vector<raft::Entry>& entries);

  // Log compaction after the application took a snapshot through
  // base.index: deletes the entries <= base.index and stores `base`.
  // base.index must be in [base().index, last_index()] and base.term the
  // term of the entry at base.index (kInvalidArgument otherwise). Compacting
  // to the current base index rewrites only the base (e.g. its voters).
  Status Compact(const LogBase& base);

  // A snapshot from the leader was installed: every entry is deleted and
  // the log starts after `base`. `hs`, if given, is written in the same
  // transaction. base.index 0 requires base.term 0 and vice versa. A node
  // that learns the voters of an empty log (raft's Ready::base_voters) stores
  // them with Reset({0, 0, voters}, ...) before saving the Ready's entries.
  Status Reset(const LogBase& base, const std::optional<raft::HardState>& hs);

  // The last index on disk (base().index when no entries follow the base).
  uint64_t last_index() const { return last_index_; }
  const LogBase& base() const { return base_; }
  const std::string& path() const { return path_; }

 private:
  explicit LogStore(std::string path) : path_(std::move(path)) {}
  Status OpenEnv(size_t map_size);
  Status ReadBounds();
  Status CheckWritable() const;
  // Returns the status of a commit, latching it into failed_ if it failed.
  Status LatchCommit(Status st);

  std::string path_;
  int lock_fd_ = -1;  // raft.db, flock()ed while the store is open
  lmdb::Env env_;
  lmdb::Dbi entries_dbi_;
  lmdb::Dbi meta_dbi_;
  LogBase base_;
  uint64_t last_index_ = 0;
  Status failed_;
};

}  // namespace vk::raftstore

#endif  // MINIVAULT_RAFTSTORE_LOG_STORE_H_
