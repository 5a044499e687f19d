// RaftHost drives the pure raft core (src/raft) for one minivault node: it
// owns the loop thread that ticks the core, feeds it incoming messages and
// proposals, persists the log (raftstore), sends messages (raft_transport),
// applies committed entries to the fsm::Store, and tells the Core when this
// node becomes or stops being the active node and when its whole state was
// replaced (InstallSnapshot, replicated restore).
//
// The state machine doubles as the raft snapshot: it is durable after every
// apply, so compaction just drops the log below the applied index, and a
// follower that needs a snapshot copies the leader's live state
// (FetchState). See docs/minivault-cluster.md.
#ifndef MINIVAULT_CLUSTER_RAFT_HOST_H_
#define MINIVAULT_CLUSTER_RAFT_HOST_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "minivault/cluster/raft_payload.h"
#include "minivault/cluster/raft_transport.h"
#include "minivault/core/applier.h"
#include "minivault/fsm/store.h"
#include "minivault/raft/raft.h"
#include "minivault/raftstore/log_store.h"

namespace vk::minivault {

struct RaftHostOptions {
  PeerIdentity self;
  std::string dir;  // the raft log's directory
  fsm::Store* store = nullptr;
  int tick_ms = 100;
  // 2 to 4 s at the default tick: generous, so a loaded machine (tests
  // under sanitizers) does not see spurious elections.
  int election_ticks = 20;
  // Log entries kept above the last compaction before the next one...
  uint64_t compact_threshold = 8192;
  // ...or fewer when they hold this many bytes: the core keeps the log in
  // memory, and 8,192 large entries would be gigabytes.
  uint64_t compact_bytes = 32 << 20;
  // How long Apply waits for its entry to commit.
  std::chrono::milliseconds apply_timeout{15000};
  // Called from the loop thread; must not block on anything the loop does.
  std::function<void(bool active)> on_active;
  std::function<void()> on_state_replaced;
  std::function<void(int level, const std::string& message)> log;
};

struct RaftServerStatus {
  std::string node_id;
  std::string address;
  bool leader = false;
  bool voter = true;
};

struct RaftStatus {
  bool leader = false;
  uint64_t term = 0;
  uint64_t commit = 0;
  uint64_t applied = 0;
  std::optional<PeerIdentity> leader_peer;  // when known
  std::vector<RaftServerStatus> servers;
};

class RaftHost : public Applier {
 public:
  static Result<std::unique_ptr<RaftHost>> Start(RaftHostOptions options);
  ~RaftHost() override;
  void Stop();

  // Applier.
  Status Apply(const fsm::Command& command) override;
  uint64_t term() const override;
  Status Bootstrap(const std::string& node_id,
                   const std::string& cluster_addr) override;
  bool IsActive() const override { return active_.load(); }
  Status Restore(std::unique_ptr<fsm::Store::PendingRestore> pending,
                 uint64_t snapshot_index) override;

  // Membership (leader only); both return once the change is applied here.
  Status AddVoter(const ServerContext& server);
  Status RemovePeer(const std::string& node_id);

  RaftStatus status() const;
  const PeerIdentity& self() const { return opt_.self; }

  // The transport hands over what a peer sent.
  void Receive(std::vector<raft::Message> messages, const PeerIdentity& from);
  fsm::Store* store() { return opt_.store; }

 private:
  struct Waiter;
  struct Proposal {
    std::string data;
    std::optional<raft::ConfChange> conf;
    std::shared_ptr<Waiter> waiter;
  };

  explicit RaftHost(RaftHostOptions options);
  Status Init();
  // (Re)creates the core with this host's settings; a node that is its own
  // only voter elects itself at once instead of waiting for a timeout.
  void StartNode(std::vector<raft::NodeId> voters, raft::HardState hs,
                 std::vector<raft::Entry> log, raft::SnapshotMeta base,
                 uint64_t applied);
  // OK on the active node; a leader about to become active gets a few
  // seconds; otherwise FailedPrecondition "node is not the active node".
  Status RequireActive() const;
  void Run();
  Status Propose(Proposal p, std::chrono::milliseconds timeout);
  void ProcessReady();
  Status InstallFromLeader(uint64_t min_index, raft::NodeId hint);
  Status ApplyEntry(const raft::Entry& e);
  Status ApplyConfChange(const raft::Entry& e);
  void MaybeCompact(bool force);
  void Publish();
  void Log(int level, const std::string& m) const;
  std::optional<std::string> ClusterAddrOf(raft::NodeId id) const;
  void LearnPeer(const PeerIdentity& p);

  RaftHostOptions opt_;
  raft::NodeId id_;
  std::unique_ptr<raftstore::LogStore> log_;
  std::optional<raft::Node> node_;  // loop thread only (after Init)

  // Inputs, guarded by mu_.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<raft::Message> inbox_;
  std::vector<Proposal> proposals_;
  bool bootstrap_ = false;
  bool stop_ = false;
  std::map<raft::NodeId, PeerIdentity> peers_;  // learned addresses
  std::map<std::string, std::unique_ptr<fsm::Store::PendingRestore>> staged_;
  RaftStatus status_;

  // Loop thread only.
  std::map<uint64_t, std::shared_ptr<Waiter>> waiters_;
  std::map<raft::NodeId, std::unique_ptr<PeerSender>> senders_;
  bool was_leader_ = false;
  bool compact_now_ = false;          // compact after this Ready's Advance
  uint64_t bytes_since_compact_ = 0;  // entry data applied since then

  std::atomic<bool> active_{false};
  std::atomic<uint64_t> term_{0};
  std::thread thread_;
};

}  // namespace vk::minivault

#endif  // MINIVAULT_CLUSTER_RAFT_HOST_H_
