#include "minivault/dev/dev_cluster_state.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <filesystem>
#include <optional>
#include <thread>

#include "kit/base/status.h"
#include "kit/env/file.h"
#include "minivault/api/vault_call.h"
#include "minivault/logical/json_limits.h"

namespace vk::minivault::dev {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---- cluster.json -------------------------------------------------------

std::string ClusterPath(const std::string& dir) {
  return dir + "/cluster.json";
}

Status WriteCluster(const std::string& dir, const Cluster& c) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const Node& n : c.nodes) {
    nodes.push_back({{"node_id", n.node_id},
                     {"api_addr", n.api_addr},
                     {"cluster_addr", n.cluster_addr},
                     {"pid", n.pid},
                     {"data_dir", n.data_dir},
                     {"log", n.log}});
  }
  nlohmann::json j = {
      {"nodes", nodes}, {"shares", c.shares}, {"threshold", c.threshold}};
  return WriteFileAtomic(ClusterPath(dir), j.dump(2) + "\n", 0600);
}

Result<Cluster> ReadCluster(const std::string& dir) {
  std::string path = ClusterPath(dir);
  auto text = ReadSmallFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound)
      return NotFound("no cluster in " + dir + " (" + path + " not found)");
    return text.status();
  }
  auto j =
      logical::ParseJsonOrDiscarded(text.value(), logical::kStoredJsonLimits);
  auto bad = [&path] {
    return Corruption(path + " is not a dev-cluster file");
  };
  if (!j.is_object() || !j["nodes"].is_array()) return bad();
  Cluster c;
  c.shares = j.value("shares", 0);
  c.threshold = j.value("threshold", 0);
  for (const auto& e : j["nodes"]) {
    auto str = [&e](const char* k) -> std::optional<std::string> {
      auto it = e.find(k);
      if (it == e.end() || !it->is_string()) return std::nullopt;
      return it->get<std::string>();
    };
    if (!e.is_object() || !e.contains("pid") || !e["pid"].is_number_integer())
      return bad();
    auto id = str("node_id"), api = str("api_addr"),
         cluster = str("cluster_addr"), data = str("data_dir");
    if (!id || !api || !cluster || !data || data->empty()) return bad();
    Node n{.node_id = *id,
           .api_addr = *api,
           .cluster_addr = *cluster,
           .data_dir = *data,
           .log = str("log").value_or(*data + "/server.log"),
           .pid = e["pid"].get<pid_t>()};
    c.nodes.push_back(std::move(n));
  }
  return c;
}

// ---- processes -----------------------------------------------------------

// kRunning only for a live minivault of this node (see StateOfProcess).
ProcState StateOf(const Node& n) {
  if (n.reaped) return ProcState::kGone;
  return StateOfProcess(n.pid, n.data_dir);
}

// Reaps our own child if it has exited (only `up` has children).
void Reap(Node& n) {
  if (n.reaped || n.pid <= 0) return;
  pid_t r = waitpid(n.pid, &n.wait_status, WNOHANG);
  if (r == n.pid || (r < 0 && errno == ECHILD)) n.reaped = true;
}

// Stops the nodes `up` started: SIGTERM, then SIGKILL after kUpStopWait.
void StopChildren(std::vector<Node>& nodes) {
  for (Node& n : nodes) {
    Reap(n);
    if (!n.reaped && n.pid > 0) kill(n.pid, SIGTERM);
  }
  auto deadline = Clock::now() + kUpStopWait;
  for (bool all = false; !all && Clock::now() < deadline;) {
    std::this_thread::sleep_for(kPoll);
    all = true;
    for (Node& n : nodes) {
      Reap(n);
      all = all && (n.reaped || n.pid <= 0);
    }
  }
  for (Node& n : nodes) {
    if (n.reaped || n.pid <= 0) continue;
    kill(n.pid, SIGKILL);
    waitpid(n.pid, &n.wait_status, 0);
    n.reaped = true;
  }
}

// ---- HTTP ----------------------------------------------------------------

Result<httpc::Response> Call(httpc::Client& client, const Node& n,
                             const std::string& method, const std::string& path,
                             const nlohmann::json* body) {
  auto resp = CallVault(client, n.api_addr, method, path, body);
  if (!resp.ok()) return resp.status().WithContext(n.node_id);
  return resp;
}

std::string HealthName(int status) {
  switch (status) {
    case 200:
      return "active";
    case 429:
      return "standby";
    case 503:
      return "sealed";
    case 501:
      return "uninitialized";
    default:
      return "HTTP " + std::to_string(status);
  }
}

// Polls sys/health until it answers one of `want` (200 or 429), bounded
// by kStepWait; fails early if the node's process exits.
Status WaitHealth(httpc::Client& client, Node& n, std::vector<int> want,
                  const std::string& goal) {
  auto deadline = Clock::now() + kStepWait;
  std::string last = "no answer";
  while (true) {
    auto resp = Call(client, n, "GET", "sys/health");
    if (resp.ok()) {
      for (int w : want) {
        if (resp->status == w) return Status::Ok();
      }
      last = HealthName(resp->status);
    } else {
      last = resp.status().message();
    }
    Reap(n);
    if (n.reaped)
      return Unavailable(n.node_id + " " + ExitText(n.wait_status) +
                         " while waiting for it to become " + goal);
    if (Clock::now() > deadline)
      return Unavailable(n.node_id + " did not become " + goal + " within " +
                         std::to_string(kStepWait.count()) +
                         " s (last seen: " + last + ")");
    std::this_thread::sleep_for(milliseconds(200));
  }
}

// Gives the node keys one at a time until it reports itself unsealed or
// `threshold` keys were given: more would start a new unseal attempt
// while a joining node is still catching up (its health shows the end).
Status Unseal(httpc::Client& client, const Node& n,
              const std::vector<std::string>& keys, int threshold) {
  for (int i = 0; i < threshold && i < static_cast<int>(keys.size()); ++i) {
    nlohmann::json body = {{"key", keys[i]}};
    VK_ASSIGN_OR_RETURN(auto resp, Call(client, n, "PUT", "sys/unseal", &body));
    if (resp.status != 200)
      return Unavailable(n.node_id + ": unseal: " + VaultErrorText(resp));
    auto j =
        logical::ParseJsonOrDiscarded(resp.body, logical::kRequestJsonLimits);
    if (j.is_object() && j["sealed"].is_boolean() && !j["sealed"].get<bool>())
      return Status::Ok();
  }
  return Status::Ok();
}

Status Join(httpc::Client& client, const Node& n, const std::string& leader) {
  nlohmann::json body = {{"leader_api_addr", leader}};
  auto deadline = Clock::now() + kStepWait;
  while (true) {
    auto resp = Call(client, n, "POST", "sys/storage/raft/join", &body);
    std::string last;
    if (resp.ok()) {
      if (resp->status == 200) {
        auto j = logical::ParseJsonOrDiscarded(resp->body,
                                               logical::kRequestJsonLimits);
        if (j.is_object() && j.value("joined", false)) return Status::Ok();
        return Unavailable(n.node_id + ": join answered without joined=true");
      }
      last = VaultErrorText(resp.value());
      if (resp->status < 500)  // not worth a retry
        return FailedPrecondition(n.node_id + ": join: " + last);
    } else {
      last = resp.status().message();
    }
    if (Clock::now() > deadline)
      return Unavailable(n.node_id + ": join failed for " +
                         std::to_string(kStepWait.count()) +
                         " s (last: " + last + ")");
    std::this_thread::sleep_for(milliseconds(500));
  }
}

}  // namespace vk::minivault::dev
