// FakeVaultNode: one Vault node with state, for unit tests of the flows
// that drive a cluster (live backup, restore, unseal) without processes.
// Built on FakeVault (a real HTTP server on 127.0.0.1), it keeps the state
// those flows look at and changes it as Vault does:
//  - seal: Shamir progress accumulates until the threshold, then the
//    shares are combined and cleared, right or wrong (sys/unseal);
//  - health, leader, seal-status answer from that state (a sealed node
//    answers sys/leader with 503 "Vault is sealed");
//  - GET sys/storage/raft/snapshot streams `snapshot`; a POST to
//    snapshot[-force] stores the body and applies what the test chose
//    (seal the node on data sealed with other keys, or move the raft
//    index on), as Vault's background restore does;
//  - sys/storage/raft/configuration and reads need a known token.
// Test-only.
#ifndef VAULTKEEP_TESTING_FAKE_VAULT_NODE_H_
#define VAULTKEEP_TESTING_FAKE_VAULT_NODE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "vaultkeep/testing/fake_vault.h"

namespace vk::vault::testing {

// What a restore upload does to the node once accepted.
enum class OnRestore {
  kBumpIndex,  // same cluster: the raft index moves on, the node stays up
  kSeal,       // the data's keys differ: the node seals itself and takes
               // the backup's cluster id
  kNothing,    // nothing shows (a restore that never applies)
};

struct NodeState {
  bool sealed = false;
  int threshold = 3;
  int shares = 5;
  std::set<std::string> good_keys;  // shares that unseal the current data
  std::string cluster_id = "cluster-a";
  uint64_t raft_index = 40;
  std::vector<std::string> peers = {"node-0"};  // raft voters
  std::set<std::string> tokens;                 // accepted tokens
  std::map<std::string, nlohmann::json> reads;  // path -> data
  std::string snapshot;                         // what a GET serves
  OnRestore on_restore = OnRestore::kBumpIndex;
  // After kSeal: the restored data's keys and cluster id.
  std::set<std::string> restored_keys;
  std::string restored_cluster_id = "cluster-b";
  // After any restore that applies: the restored data's tokens (empty:
  // the tokens stay).
  std::set<std::string> restored_tokens;
  // How many raft configuration answers list only this node before the
  // peers come back (after a restore).
  int peers_lag = 0;
};

class FakeVaultNode {
 public:
  explicit FakeVaultNode(NodeState state);

  std::string addr() const { return v_.addr(); }
  FakeVault& http() { return v_; }

  // A copy of the current state.
  NodeState state();
  // The bodies of the restore uploads, in order.
  std::vector<std::string> restores();
  int unseal_calls();

 private:
  nlohmann::json Health() const;
  nlohmann::json SealStatus() const;
  void Unseal(httpd::ResponseWriter& w);
  void Restore(const std::string& path, httpd::Request& req,
               httpd::ResponseWriter& w);
  bool Authorized(httpd::Request& req) const;

  std::mutex mu_;
  NodeState s_;
  std::set<std::string> parts_;
  std::vector<std::string> restores_;
  int unseal_calls_ = 0;
  FakeVault v_;  // last: its server thread uses the members above
};

}  // namespace vk::vault::testing

#endif  // VAULTKEEP_TESTING_FAKE_VAULT_NODE_H_
