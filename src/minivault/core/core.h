// minivault's core: the seal lifecycle (init, unseal, seal), the barrier
// keys held in memory while unsealed, and the stores built on the barrier
// (tokens, policies, mounts). HTTP-agnostic: the API layer maps requests to
// these calls.
//
// Locking: one reader/writer lock guards the unsealed state. A request holds
// it shared for its whole duration through an Access; init, unseal
// completion, seal and a restore's commit hold it exclusively, so a request
// never sees keys change under it.
#ifndef MINIVAULT_CORE_CORE_H_
#define MINIVAULT_CORE_CORE_H_

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "kit/barrier/barrier.h"
#include "minivault/core/applier.h"
#include "minivault/core/barrier_view.h"
#include "minivault/core/mount_table.h"
#include "minivault/core/policy_store.h"
#include "minivault/core/snapshot_io.h"
#include "minivault/core/token_store.h"
#include "minivault/fsm/store.h"

namespace vk::minivault {

// Reported as Vault's version: the API level minivault follows, with build
// metadata naming it (semver-valid, compares equal to the Vault release).
inline constexpr char kVersion[] = "1.15.6+minivault";

struct CoreOptions {
  std::string node_id;
  std::string api_addr;      // e.g. "http://127.0.0.1:8200"
  std::string cluster_addr;  // e.g. "127.0.0.1:8201"
  // Operator log (the program wires it to spdlog); never given secrets.
  std::function<void(int level, const std::string& message)> log;
};

struct SealStatus {
  bool initialized = false;
  bool sealed = true;
  int t = 0;
  int n = 0;
  int progress = 0;
  std::string nonce;
  std::string cluster_name;  // empty while sealed
  std::string cluster_id;
  nlohmann::json ToJson() const;
};

struct ClusterInfo {
  std::string name;
  std::string id;
};

class Core {
 public:
  Core(fsm::Store* store, Applier* applier, CoreOptions options);
  ~Core();

  // --- seal lifecycle -----------------------------------------------------
  Result<bool> Initialized() const;
  struct InitResult {
    std::vector<std::string> keys;  // raw share bytes
    std::string root_token;
  };
  // Validates as Vault does, writes the whole initial state in one command
  // and leaves the node sealed (Shamir).
  Result<InitResult> Init(int shares, int threshold);
  SealStatus GetSealStatus() const;
  // One unseal share (raw bytes). InvalidArgument with Vault's texts.
  Result<SealStatus> Unseal(std::string_view share);
  Status ResetUnseal();
  Status Seal();
  bool sealed() const { return sealed_.load(); }
  std::chrono::system_clock::time_point active_time() const;
  const CoreOptions& options() const { return options_; }
  fsm::Store* store() { return store_; }

  // --- requests on an unsealed node ----------------------------------------
  class Access {
   public:
    bool sealed() const { return core_->sealed_.load(); }
    // nullopt when the token is unknown or expired.
    Result<std::optional<TokenEntry>> LookupToken(std::string_view token);
    Result<acl::Acl> AclFor(const TokenEntry& token);
    TokenStore& tokens() { return *core_->tokens_; }
    PolicyStore& policies() { return *core_->policies_; }
    MountTable mounts() const;
    ClusterInfo cluster() const { return core_->cluster_; }
    Status EnableMount(MountEntry entry);
    Status DisableMount(std::string_view path);
    // A barrier view rooted at `prefix`, valid while this Access lives.
    std::unique_ptr<BarrierView> View(std::string prefix);
    // Serialises writes that touch the same `key` (a secret: check-and-set
    // and version numbers are read-modify-write). Writes to different keys
    // run concurrently, so the raft log can batch them; keys share one of
    // kWriteStripes locks by hash.
    std::unique_lock<std::mutex> LockWrites(std::string_view key) {
      return std::unique_lock(
          core_->write_stripes_[std::hash<std::string_view>{}(key) %
                                kWriteStripes]);
    }
    // Streams a snapshot archive sealed with this node's KEK.
    Result<std::unique_ptr<fsm::Store::Snapshot>> OpenSnapshot();
    std::string_view kek() const { return core_->kek_; }

   private:
    friend class Core;
    explicit Access(Core* core) : core_(core), lock_(core->state_mu_) {}
    Core* core_;
    std::shared_lock<std::shared_mutex> lock_;
  };
  Access Begin() { return Access(this); }

  // Runs a verified restore in the background, as Vault does after
  // answering 204: swap the state in, reload the keyring with the root key
  // in memory, and seal the node if that fails (another cluster's data).
  // Call without an Access held.
  void CommitRestoreAsync(StagedRestore staged);
  // Waits for a background restore (tests, shutdown).
  void WaitForRestore();

  // --- raft cluster ----------------------------------------------------------
  // A node joining a cluster (sys/storage/raft/join) is sealed and empty.
  // Unsealing it with the cluster's key shares decrypts the leader's
  // challenge, `answer` sends the result to the leader (which adds the node
  // to the configuration), and the unseal completes once the leader's data
  // has arrived.
  struct JoinInfo {
    barrier::SealConfig seal_config;
    std::string challenge;  // nonce || AES-256-GCM(KEK, secret)
    std::function<Status(const std::string& secret)> answer;
  };
  void SetJoin(JoinInfo join);
  bool joining() const;
  // On the active node: a challenge only a holder of the KEK can answer.
  struct JoinChallenge {
    std::string challenge;
    std::string secret;
    barrier::SealConfig seal_config;
  };
  Result<JoinChallenge> NewJoinChallenge();
  // From the raft host (never blocks it): this node became or stopped being
  // the active node; its whole state was replaced from the leader.
  void OnActiveChange(bool active);
  void OnStateReplaced();
  // Stops the event thread (shutdown, before the applier goes away).
  void StopEvents();

 private:
  void Log(int level, const std::string& message) const;
  // With state_mu_ held exclusively.
  Status LoadUnsealedState(const std::string& root_key);
  Status CompleteJoin(const JoinInfo& join, const std::string& kek);
  void Post(std::function<void()> fn);
  void RunEvents();
  void ClearKeys();
  Result<barrier::SealConfig> ReadSealConfig() const;

  fsm::Store* store_;
  Applier* applier_;
  CoreOptions options_;

  mutable std::shared_mutex state_mu_;
  std::atomic<bool> sealed_{true};
  std::string kek_;
  std::string root_key_;
  std::unique_ptr<barrier::Keyring> keyring_;
  ClusterInfo cluster_;
  std::unique_ptr<BarrierView> token_view_, policy_view_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<PolicyStore> policies_;
  mutable std::mutex mounts_mu_;
  MountTable mounts_;
  static constexpr size_t kWriteStripes = 64;
  std::array<std::mutex, kWriteStripes> write_stripes_;
  std::atomic<int64_t> active_since_{0};

  // Unseal progress (guarded by unseal_mu_).
  mutable std::mutex unseal_mu_;
  std::vector<std::string> parts_;
  std::string unseal_nonce_;

  std::optional<JoinInfo> join_;  // guarded by unseal_mu_

  std::mutex restore_mu_;
  std::thread restore_thread_;

  std::mutex events_mu_;
  std::condition_variable events_cv_;
  std::deque<std::function<void()>> events_;
  bool events_stop_ = false;
  std::thread events_thread_;
};

}  // namespace vk::minivault

#endif  // MINIVAULT_CORE_CORE_H_
