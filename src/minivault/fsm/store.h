// Store: minivault's durable state machine, an LMDB file laid out like
// Vault's BoltDB FSM (reference §1.2, §3): database "data" holds every
// physical key/value, database "config" holds latest_indexes and
// latest_config (see state_codec.h).
//
// Apply is the single write path for data. Its index makes replay
// idempotent: the raft log may re-deliver entries the store already holds.
//
// Threads: any number of readers (Get, List, snapshots) run concurrently
// with one writer; Apply, SetConfiguration and CommitRestore serialize among
// themselves. Snapshots and PendingRestores must not outlive the Store, and
// a thread holding an open Snapshot must not open a second one (a
// CommitRestore waiting between them would deadlock).
//
// Keys are limited to LMDB's compiled maximum (511 bytes in Debian's
// liblmdb), below BoltDB's 32768: Apply rejects longer keys and a restore
// of an archive holding one fails. Keys must also be valid UTF-8 and values
// at most kMaxValueSize, so every state.bin this store writes restores into
// Vault and into this store again.
#ifndef MINIVAULT_FSM_STORE_H_
#define MINIVAULT_FSM_STORE_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/byte_stream.h"
#include "kit/base/result.h"
#include "kit/snapshot/meta.h"
#include "minivault/fsm/command.h"
#include "minivault/fsm/state_codec.h"
#include "minivault/fsm/store_db.h"

namespace vk::fsm {

class Store {
 public:
  struct Options {
    std::string dir;
    size_t map_size = size_t{64} << 30;
  };

  static constexpr size_t kBoltMaxKeySize = 32768;
  static constexpr size_t kMaxValueSize = size_t{64} << 20;
  // Puts per write transaction during a restore, as Vault's loadSnapshot.
  static constexpr uint64_t kRestoreBatch = 50000;
  // ...or fewer: LMDB keeps a write transaction's dirty pages in memory, so
  // a batch of large values is cut at this many bytes to bound the restore's
  // memory whatever the snapshot holds.
  static constexpr uint64_t kRestoreBatchBytes = 16 << 20;

  // Opens (creating) <dir>/vault.db, one file (MDB_NOSUBDIR) plus LMDB's
  // vault.db-lock, and removes a restore temp file left by a crash. The
  // directory is created with mode 0700, the files 0600.
  static Result<std::unique_ptr<Store>> Open(const Options& options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Applies all ops in one write transaction together with
  // config/latest_indexes = {term, index}; any failing op aborts all of
  // them. index <= applied_index() is a replay: skipped, OK. A key that is
  // empty, too long or not UTF-8, or an unknown op kind, is
  // kInvalidArgument. kDeletePrefix removes every key starting with its
  // (non-empty) key.
  // With `config`, latest_config is written in the same transaction (a raft
  // configuration change applied at `index`).
  Status Apply(uint64_t index, uint64_t term, const Command& cmd,
               const Configuration* config = nullptr);

  // Writes config/latest_config. It does not move the applied index.
  Status SetConfiguration(const Configuration& config);

  Result<std::optional<std::string>> Get(std::string_view key) const;

  // Vault's physical List: the names directly under `prefix`, sorted; a
  // name with deeper keys appears once with a trailing '/'. As in Vault, a
  // key equal to `prefix` lists as "".
  Result<std::vector<std::string>> List(std::string_view prefix) const;

  uint64_t applied_index() const;
  uint64_t applied_term() const;
  // Empty (index 0, no servers) when none was ever set.
  Configuration configuration() const;

  // A consistent read view (one LMDB read transaction) for a snapshot.
  class Snapshot {
   public:
    virtual ~Snapshot();
    // Version 1, ID "bolt-snapshot", Index/Term from latest_indexes,
    // Configuration/ConfigurationIndex from latest_config ({"Servers":null}
    // when none), Size the exact length of state.bin. All of it is read
    // inside the view.
    virtual const snapshot::SnapshotMeta& meta() const = 0;
    // Streams state.bin: every "data" pair in key byte order, in pieces of
    // about 256 KiB. May be called more than once.
    virtual Status WriteState(ByteSink& out) = 0;
  };
  Result<std::unique_ptr<Snapshot>> OpenSnapshot() const;

  // A restore in two phases, so that nothing changes until the caller has
  // verified the whole archive. Feed() takes state.bin in pieces of any
  // size and loads it into the fresh file <dir>/vault.db.restore; Finish()
  // checks that the records ended cleanly and that exactly expected_size
  // bytes came ("failed to write snapshot, size didn't match (N != M)"),
  // then fsyncs. After an error every later call returns that error.
  // Destroying an uncommitted PendingRestore deletes the temp file.
  class PendingRestore {
   public:
    virtual ~PendingRestore();
    virtual Status Feed(ByteSpan data) = 0;
    virtual Status Finish() = 0;
  };
  // One at a time: kFailedPrecondition while another is pending.
  Result<std::unique_ptr<PendingRestore>> BeginRestore(uint64_t expected_size);

  // Swaps a Finish()ed restore in atomically: latest_indexes becomes
  // {term, max(applied_index(), snapshot_index) + 1}, the current
  // latest_config is kept (raft keeps the live configuration), the temp file
  // is renamed over vault.db, the directory fsynced and the store reopened.
  // Readers see the old state or the new one, never a mix; it waits for
  // open Snapshots to close.
  Status CommitRestore(std::unique_ptr<PendingRestore> restore, uint64_t term,
                       uint64_t snapshot_index);

  // Installs a replica of another node's state (raft InstallSnapshot, or a
  // restore replicated through the log): latest_indexes becomes exactly
  // {term, index} and latest_config `config`, as the source had them.
  Status CommitInstall(std::unique_ptr<PendingRestore> restore, uint64_t index,
                       uint64_t term, const Configuration& config);

 private:
  class SnapshotImpl;
  class RestoreImpl;

  explicit Store(Options options);
  // These need env_mu_ held exclusively (or no other user yet).
  Status OpenEnvLocked();
  void CloseEnvLocked();
  Status LoadStateLocked();
  // With write_mu_ held: seals `restore` with `next`/`cfg` and renames it
  // over vault.db.
  Status SwapInLocked(PendingRestore* restore, const IndexValue& next,
                      const std::optional<Configuration>& cfg);

  // Caller holds env_mu_ (shared is enough).
  Status CheckOpen() const;

  void BeginSnapshot() const;
  void EndSnapshot() const;

  const Options opt_;
  const std::string db_path_;
  const std::string restore_path_;
  size_t max_key_size_ = 0;  // set once by Open()

  // Guards db_ (the environment and its database handles); CommitRestore takes
  // it exclusively to swap the file.
  mutable std::shared_mutex env_mu_;
  StateDb db_;

  std::mutex write_mu_;  // one writer at a time

  // Cached copies of the config database, for cheap accessors.
  mutable std::mutex state_mu_;
  IndexValue applied_;
  std::optional<Configuration> config_;

  // Open snapshots pin the LMDB environment; a swap waits for them.
  mutable std::mutex snap_mu_;
  mutable std::condition_variable snap_cv_;
  mutable int open_snapshots_ = 0;
  bool swapping_ = false;

  std::mutex restore_mu_;
  bool restore_pending_ = false;
};

}  // namespace vk::fsm

#endif  // MINIVAULT_FSM_STORE_H_
