// The state and helpers of `minivault dev-cluster` (dev_cluster.h): the
// nodes it started, cluster.json, the processes, and the HTTP calls that
// bring a node up (health, unseal, join).
#ifndef MINIVAULT_DEV_DEV_CLUSTER_STATE_H_
#define MINIVAULT_DEV_DEV_CLUSTER_STATE_H_

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kit/base/result.h"
#include "kit/httpc/client.h"
#include "minivault/dev/dev_cluster_proc.h"

namespace vk::minivault::dev {

inline constexpr std::chrono::seconds kStepWait{30};    // each startup step
inline constexpr std::chrono::seconds kUpStopWait{10};  // TERM to KILL, `up`
inline constexpr std::chrono::milliseconds kPoll{100};

struct Node {
  std::string node_id, api_addr, cluster_addr, data_dir, log;
  pid_t pid = 0;
  bool reaped = false;  // `up` only: the child has exited and was waited for
  int wait_status = 0;
};

struct Cluster {
  std::vector<Node> nodes;
  int shares = 0, threshold = 0;
};

std::string ClusterPath(const std::string& dir);
Status WriteCluster(const std::string& dir, const Cluster& c);
Result<Cluster> ReadCluster(const std::string& dir);

// kRunning only for a live minivault of this node (see StateOfProcess).
ProcState StateOf(const Node& n);
// Reaps our own child if it has exited (only `up` has children).
void Reap(Node& n);
// Stops the nodes `up` started: SIGTERM, then SIGKILL after kUpStopWait.
void StopChildren(std::vector<Node>& nodes);

Result<httpc::Response> Call(httpc::Client& client, const Node& n,
                             const std::string& method, const std::string& path,
                             const nlohmann::json* body = nullptr);
// "active", "standby", "sealed", "uninitialized" for sys/health codes.
std::string HealthName(int status);
// Polls sys/health until it answers one of `want` (200 or 429), bounded
// by kStepWait; fails early if the node's process exits.
Status WaitHealth(httpc::Client& client, Node& n, std::vector<int> want,
                  const std::string& goal);
// Gives the node keys one at a time until it reports itself unsealed or
// `threshold` keys were given: more would start a new unseal attempt
// while a joining node is still catching up (its health shows the end).
Status Unseal(httpc::Client& client, const Node& n,
              const std::vector<std::string>& keys, int threshold);
Status Join(httpc::Client& client, const Node& n, const std::string& leader);

}  // namespace vk::minivault::dev

#endif  // MINIVAULT_DEV_DEV_CLUSTER_STATE_H_
