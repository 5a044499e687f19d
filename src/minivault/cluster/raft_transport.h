// minivault's raft transport over HTTP on each node's cluster address.
//
//   POST /v1/raft/messages   body: raft::EncodeMessages (a batch)
//   GET  /v1/raft/state?min_index=N
//        body: uint32 BE length, the snapshot meta JSON (as in a Vault
//        archive), then state.bin; served once the sender's state machine
//        has applied index N. This is how InstallSnapshot and replicated
//        restores move data: the live LMDB state is the snapshot, so no
//        snapshot file is ever written.
//
// Every request names its sender (node id, cluster and API addresses) in
// headers, so a node learns its peers' addresses from the traffic itself:
// a new node does not need the configuration before the leader calls.
//
// Trust: the cluster port has no authentication of its own (Vault protects
// it with mutual TLS, which minivault does not implement); bind it to
// loopback or a private network. Joining is authenticated on the API port
// (see raft_join.h): only a holder of the unseal keys gets added.
#ifndef MINIVAULT_CLUSTER_RAFT_TRANSPORT_H_
#define MINIVAULT_CLUSTER_RAFT_TRANSPORT_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "kit/base/status.h"
#include "kit/httpd/server.h"
#include "minivault/fsm/store.h"
#include "minivault/raft/types.h"

namespace vk::minivault {

inline constexpr char kHeaderNodeId[] = "X-Minivault-Node-Id";
inline constexpr char kHeaderClusterAddr[] = "X-Minivault-Cluster-Addr";
inline constexpr char kHeaderApiAddr[] = "X-Minivault-Api-Addr";

struct PeerIdentity {
  std::string node_id;
  std::string cluster_addr;  // host:port
  std::string api_addr;      // scheme://host:port
};

// Sends encoded messages to one peer from its own thread, batching what
// queued up while the previous request was in flight. Raft tolerates loss:
// when the peer is down the batch is dropped (after a short pause, so a dead
// peer does not cost a busy loop) and the queue is bounded.
class PeerSender {
 public:
  PeerSender(std::string address, PeerIdentity self);
  ~PeerSender();
  PeerSender(const PeerSender&) = delete;
  PeerSender& operator=(const PeerSender&) = delete;

  void Send(raft::Message m);
  void SetAddress(std::string address);
  const std::string& address() const { return address_; }

 private:
  void Run();

  std::string address_;  // guarded by mu_ for the sender thread
  const PeerIdentity self_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<raft::Message> queue_;
  bool stop_ = false;
  std::thread thread_;
};

// Copies the state of the node at `address` (host:port) into `store` once
// that node has applied `min_index`: streams it into a pending restore and
// swaps it in with the source's exact index, term and configuration.
// Returns the installed index. Nothing changes on failure.
Result<uint64_t> FetchState(const std::string& address, uint64_t min_index,
                            const PeerIdentity& self, fsm::Store* store);

// Serves GET /v1/raft/state from `store` (waits up to `wait` for the
// requested index to be applied).
void ServeState(fsm::Store* store, httpd::Request& req,
                httpd::ResponseWriter& w, std::chrono::milliseconds wait);

// The sender named by a request's headers.
PeerIdentity SenderOf(const httpd::Request& req);

}  // namespace vk::minivault

#endif  // MINIVAULT_CLUSTER_RAFT_TRANSPORT_H_
