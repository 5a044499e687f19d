#include "minivault/dev/dev_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kit/base/status.h"
#include "kit/env/file.h"
#include "kit/httpc/client.h"
#include "minivault/api/vault_call.h"
#include "minivault/dev/dev_cluster_proc.h"
#include "minivault/dev/dev_cluster_state.h"
#include "minivault/logical/json_limits.h"

namespace vk::minivault {
namespace {

using dev::Call;
using dev::Cluster;
using dev::ClusterPath;
using dev::HealthName;
using dev::Join;
using dev::kPoll;
using dev::kStepWait;
using dev::kUpStopWait;
using dev::Node;
using dev::ReadCluster;
using dev::Reap;
using dev::StateOf;
using dev::StopChildren;
using dev::Unseal;
using dev::WaitHealth;
using dev::WriteCluster;

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kPrefix[] = "minivault dev-cluster: ";
constexpr seconds kDownStopWait{15};  // SIGTERM to SIGKILL, `down`

struct Flags {
  std::string dir;
  int nodes = 3;
  std::string binary = "/proc/self/exe";
  std::string log_level = "info";
  int shares = 5;
  int threshold = 3;
  std::string key_prefix = "vault";
  bool purge = false;
  bool json = false;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "%s%s\n", kPrefix, message.c_str());
  return 1;
}

int Usage(const std::string& message) {
  Fail(message);
  return 2;
}

// ---- up ------------------------------------------------------------------

Result<int> WaitPortFile(Node& n, const std::string& path) {
  auto deadline = Clock::now() + kStepWait;
  while (true) {
    if (auto text = ReadSmallFile(path, 64); text.ok()) {
      int port = 0;
      const std::string& s = text.value();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
      if (ec == std::errc() && end == s.data() + s.size() && port > 0 &&
          port < 65536)
        return port;
    }
    Reap(n);
    if (n.reaped)
      return Unavailable(n.node_id + " " + ExitText(n.wait_status) +
                         " before it was listening");
    if (Clock::now() > deadline)
      return Unavailable(n.node_id + " did not write " + path + " within " +
                         std::to_string(kStepWait.count()) + " s");
    std::this_thread::sleep_for(kPoll);
  }
}

// A directory that holds a cluster is refused: a running one must be
// stopped first, and a stopped one's data would make sys/init fail.
Status CheckFresh(const std::string& dir, int nodes) {
  auto existing = ReadCluster(dir);
  if (existing.ok()) {
    std::string running;
    for (const Node& n : existing->nodes) {
      if (StateOf(n) != ProcState::kRunning) continue;
      running += (running.empty() ? "" : ", ") + n.node_id + " pid " +
                 std::to_string(n.pid);
    }
    if (!running.empty())
      return FailedPrecondition(
          "a cluster is already running in " + dir + " (" + running +
          "); stop it with: minivault dev-cluster down --dir " + dir);
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  for (int i = 1; i <= nodes; ++i) {
    std::error_code ec;
    std::string node_dir = dir + "/node" + std::to_string(i);
    if (std::filesystem::exists(node_dir, ec) &&
        !std::filesystem::is_empty(node_dir, ec))
      return FailedPrecondition(
          dir + " holds the data of an earlier cluster (" + node_dir +
          "); remove it (minivault dev-cluster down --purge --dir " + dir +
          ") or choose another --dir");
  }
  return Status::Ok();
}

Status StartNodes(const std::string& binary, const std::string& dir,
                  const Flags& f, Cluster& c) {
  for (int i = 1; i <= f.nodes; ++i) {
    Node n;
    n.node_id = "node" + std::to_string(i);
    n.data_dir = dir + "/" + n.node_id;
    n.log = n.data_dir + "/server.log";
    VK_RETURN_IF_ERROR(MakeDirs(n.data_dir, 0700));
    std::vector<std::string> args = {"server",
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--port-file",
                                     n.data_dir + "/api.port",
                                     "--cluster-listen",
                                     "127.0.0.1:0",
                                     "--cluster-port-file",
                                     n.data_dir + "/cluster.port",
                                     "--data-dir",
                                     n.data_dir,
                                     "--node-id",
                                     n.node_id,
                                     "--log-level",
                                     f.log_level};
    VK_ASSIGN_OR_RETURN(n.pid, SpawnDaemon(binary, args, n.log));
    c.nodes.push_back(std::move(n));
  }
  // Recorded before anything can hang, so `down` finds these processes.
  VK_RETURN_IF_ERROR(WriteCluster(dir, c));
  for (Node& n : c.nodes) {
    VK_ASSIGN_OR_RETURN(int api, WaitPortFile(n, n.data_dir + "/api.port"));
    VK_ASSIGN_OR_RETURN(int cluster,
                        WaitPortFile(n, n.data_dir + "/cluster.port"));
    n.api_addr = "http://127.0.0.1:" + std::to_string(api);
    n.cluster_addr = "127.0.0.1:" + std::to_string(cluster);
  }
  return WriteCluster(dir, c);
}

// Initializes node1, stores the keys and token, unseals it, then joins and
// unseals every other node.
Status Bootstrap(const std::string& dir, Cluster& c,
                 const std::string& key_prefix) {
  // A joining node's unseal waits for the leader's answer: be patient.
  httpc::Client client({.connect_timeout_ms = 2000, .timeout_ms = 60000});
  Node& first = c.nodes[0];
  nlohmann::json init = {{"secret_shares", c.shares},
                         {"secret_threshold", c.threshold}};
  VK_ASSIGN_OR_RETURN(auto resp, Call(client, first, "PUT", "sys/init", &init));
  if (resp.status != 200)
    return Unavailable(first.node_id + ": init: " + VaultErrorText(resp));
  auto j =
      logical::ParseJsonOrDiscarded(resp.body, logical::kRequestJsonLimits);
  auto malformed = [&first] {
    return Corruption(first.node_id + ": init: unexpected answer");
  };
  if (!j.is_object() || !j["keys_base64"].is_array() ||
      !j["root_token"].is_string())
    return malformed();
  std::vector<std::string> keys;
  std::string key_file;
  for (const auto& k : j["keys_base64"]) {
    if (!k.is_string()) return malformed();
    keys.push_back(k.get<std::string>());
    key_file += keys.back() + "\n";
  }
  if (static_cast<int>(keys.size()) != c.shares)
    return Corruption(first.node_id + ": init returned " +
                      std::to_string(keys.size()) + " keys, expected " +
                      std::to_string(c.shares));
  VK_RETURN_IF_ERROR(WriteFileAtomic(dir + "/unseal-keys", key_file, 0600));
  VK_RETURN_IF_ERROR(WriteFileAtomic(dir + "/root-token",
                                     j["root_token"].get<std::string>(), 0600));
  // The same keys as a KubeVault unsealer names them, one file each: what
  // `vaultkeep backup --key-dir DIR/keys --key-prefix P` escrows.
  VK_RETURN_IF_ERROR(MakeDirs(dir + "/keys", 0700));
  std::string named =
      dir + "/keys/" + (key_prefix.empty() ? "" : key_prefix + "-");
  VK_RETURN_IF_ERROR(WriteFileAtomic(
      named + "root-token", j["root_token"].get<std::string>() + "\n", 0600));
  for (size_t i = 0; i < keys.size(); ++i) {
    VK_RETURN_IF_ERROR(WriteFileAtomic(
        named + "unseal-key-" + std::to_string(i), keys[i] + "\n", 0600));
  }
  VK_RETURN_IF_ERROR(Unseal(client, first, keys, c.threshold));
  VK_RETURN_IF_ERROR(WaitHealth(client, first, {200}, "active"));
  for (size_t i = 1; i < c.nodes.size(); ++i) {
    Node& n = c.nodes[i];
    VK_RETURN_IF_ERROR(Join(client, n, first.api_addr));
    VK_RETURN_IF_ERROR(Unseal(client, n, keys, c.threshold));
    // 200 too: leadership may have moved to it in the meantime.
    VK_RETURN_IF_ERROR(
        WaitHealth(client, n, {429, 200}, "an unsealed standby"));
  }
  return Status::Ok();
}

int RunUp(const Flags& f) {
  if (f.nodes < 1 || f.nodes > 7)
    return Usage("--nodes must be between 1 and 7, got " +
                 std::to_string(f.nodes));
  if (f.shares < 1 || f.shares > 255)
    return Usage("--shares must be between 1 and 255, got " +
                 std::to_string(f.shares));
  if (f.key_prefix.find('/') != std::string::npos ||
      (!f.key_prefix.empty() && f.key_prefix[0] == '.'))
    return Usage("--key-prefix " + f.key_prefix +
                 " cannot be part of a file name");
  if (f.threshold < 1 || f.threshold > f.shares)
    return Usage("--threshold must be between 1 and --shares (" +
                 std::to_string(f.shares) + "), got " +
                 std::to_string(f.threshold));
  std::unique_ptr<char, decltype(&free)> bin(
      realpath(f.binary.c_str(), nullptr), &free);
  if (!bin || access(bin.get(), X_OK) != 0)
    return Fail("--binary " + f.binary + " is not an executable file");
  std::string binary = bin.get();
  if (Status s = MakeDirs(f.dir, 0700); !s.ok()) return Fail(s.message());
  std::unique_ptr<char, decltype(&free)> abs(realpath(f.dir.c_str(), nullptr),
                                             &free);
  if (!abs) return Fail(ErrnoStatus("resolve " + f.dir, errno).message());
  std::string dir = abs.get();
  if (Status s = CheckFresh(dir, f.nodes); !s.ok()) return Fail(s.message());

  Cluster c;
  c.shares = f.shares;
  c.threshold = f.threshold;
  Status s = StartNodes(binary, dir, f, c);
  if (s.ok()) s = Bootstrap(dir, c, f.key_prefix);
  if (!s.ok()) {
    StopChildren(c.nodes);
    Fail(s.message());
    return Fail("stopped the nodes; their data and logs are kept in " + dir +
                "/node<N>/ (server.log)");
  }
  std::printf("dev cluster of %zu node%s is up in %s\n", c.nodes.size(),
              c.nodes.size() == 1 ? "" : "s", dir.c_str());
  for (const Node& n : c.nodes) {
    std::printf("  %-6s api %s  cluster %s  pid %d\n", n.node_id.c_str(),
                n.api_addr.c_str(), n.cluster_addr.c_str(),
                static_cast<int>(n.pid));
  }
  std::printf("unseal keys: %s/unseal-keys (%d shares, threshold %d)\n",
              dir.c_str(), c.shares, c.threshold);
  std::printf("root token:  %s/root-token\n", dir.c_str());
  std::printf("key store:   %s/keys/ (%s-unseal-key-<i>, %s-root-token)\n",
              dir.c_str(), f.key_prefix.c_str(), f.key_prefix.c_str());
  std::printf("logs:        %s/node<N>/server.log\n", dir.c_str());
  std::printf("status:      minivault dev-cluster status --dir %s\n",
              dir.c_str());
  std::printf("stop:        minivault dev-cluster down --dir %s\n",
              dir.c_str());
  return 0;
}

// ---- down ----------------------------------------------------------------

int RunDown(const Flags& f) {
  auto c = ReadCluster(f.dir);
  if (!c.ok()) return Fail(c.status().message());
  std::vector<Node>& nodes = c->nodes;
  std::vector<bool> was_running(nodes.size()), killed(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    was_running[i] = StateOf(nodes[i]) == ProcState::kRunning;
    if (was_running[i]) kill(nodes[i].pid, SIGTERM);
  }
  // Until every signalled process is gone; an exited one waiting to be
  // reaped by its parent (a zombie) gets a short grace, then counts as
  // stopped.
  auto wait_all = [&](Clock::time_point deadline) {
    std::optional<Clock::time_point> zombie_grace;
    while (Clock::now() < deadline) {
      bool running = false, zombie = false;
      for (size_t i = 0; i < nodes.size(); ++i) {
        if (!was_running[i]) continue;
        ProcState st = StateOf(nodes[i]);
        running |= st == ProcState::kRunning;
        zombie |= st == ProcState::kZombie;
      }
      if (!running && !zombie) return;
      if (!running) {
        if (!zombie_grace) zombie_grace = Clock::now() + seconds(5);
        if (Clock::now() > *zombie_grace) return;
      }
      std::this_thread::sleep_for(kPoll);
    }
  };
  wait_all(Clock::now() + kDownStopWait);
  bool any_killed = false;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (was_running[i] && StateOf(nodes[i]) == ProcState::kRunning) {
      kill(nodes[i].pid, SIGKILL);
      killed[i] = any_killed = true;
    }
  }
  if (any_killed) wait_all(Clock::now() + seconds(5));
  bool all_stopped = true;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Node& n = nodes[i];
    int pid = static_cast<int>(n.pid);
    if (!was_running[i]) {
      std::printf("%s: not running\n", n.node_id.c_str());
    } else if (StateOf(n) == ProcState::kRunning) {
      all_stopped = false;
      std::printf("%s: still running (pid %d)\n", n.node_id.c_str(), pid);
    } else {
      std::printf("%s: stopped (pid %d%s)\n", n.node_id.c_str(), pid,
                  killed[i] ? ", killed after SIGTERM timed out" : "");
    }
  }
  if (!all_stopped) return Fail("some nodes did not stop (see above)");
  if (f.purge) {
    std::error_code ec;
    std::filesystem::remove_all(f.dir, ec);
    if (ec) return Fail("remove " + f.dir + ": " + ec.message());
    std::printf("removed %s\n", f.dir.c_str());
  }
  return 0;
}

// ---- status --------------------------------------------------------------

void PrintTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i)
      width[i] = std::max(width[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

int RunStatus(const Flags& f) {
  auto c = ReadCluster(f.dir);
  if (!c.ok()) return Fail(c.status().message());
  httpc::Client client({.connect_timeout_ms = 1000, .timeout_ms = 5000});
  nlohmann::json nodes = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows = {{"NODE", "PID", "PROCESS",
                                                 "HEALTH", "API", "LEADER",
                                                 "COMMITTED", "APPLIED"}};
  int active = 0;
  bool healthy = !c->nodes.empty();
  for (const Node& n : c->nodes) {
    bool running = StateOf(n) == ProcState::kRunning;
    std::string health = "stopped";
    int code = 0;
    nlohmann::json leader = nlohmann::json::object();
    if (running) {
      auto h = Call(client, n, "GET", "sys/health");
      health = h.ok() ? HealthName(h->status) : "unreachable";
      code = h.ok() ? h->status : 0;
      if (h.ok()) {
        auto l = Call(client, n, "GET", "sys/leader");
        if (l.ok() && l->status == 200) {
          auto j = logical::ParseJsonOrDiscarded(l->body,
                                                 logical::kRequestJsonLimits);
          if (j.is_object()) leader = std::move(j);
        }
      }
    }
    active += health == "active";
    healthy = healthy && (health == "active" || health == "standby");
    auto field = [&leader](const char* k) -> std::string {
      if (!leader.contains(k)) return "-";
      const auto& v = leader[k];
      return v.is_string() ? v.get<std::string>() : v.dump();
    };
    std::string leader_addr = field("leader_address");
    if (leader.value("is_self", false)) leader_addr = "self";
    rows.push_back({n.node_id, std::to_string(n.pid),
                    running ? "running" : "stopped", health, n.api_addr,
                    leader_addr, field("raft_committed_index"),
                    field("raft_applied_index")});
    nlohmann::json e = {{"node_id", n.node_id},
                        {"pid", n.pid},
                        {"running", running},
                        {"api_addr", n.api_addr},
                        {"cluster_addr", n.cluster_addr},
                        {"health", health},
                        {"health_status", code}};
    if (!leader.empty()) e["leader"] = leader;
    nodes.push_back(std::move(e));
  }
  healthy = healthy && active == 1;
  if (f.json) {
    nlohmann::json out = {{"healthy", healthy}, {"nodes", nodes}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    PrintTable(rows);
    std::printf("%s\n", healthy ? "healthy: one active node, all unsealed"
                                : "not healthy: expected every node "
                                  "unsealed and exactly one active");
  }
  return healthy ? 0 : 1;
}

}  // namespace

void AddDevClusterCommands(CLI::App& app, std::function<int()>* run) {
  auto f = std::make_shared<Flags>();
  CLI::App* dev = app.add_subcommand(
      "dev-cluster", "A local multi-node cluster for demos and tests");
  dev->require_subcommand(1);

  CLI::App* up = dev->add_subcommand(
      "up", "Start N nodes as daemons, initialize, unseal and join them");
  up->add_option("--dir", f->dir,
                 "Directory for the nodes' data, logs, keys and token")
      ->required();
  up->add_option("--nodes", f->nodes, "Number of nodes, 1 to 7")
      ->capture_default_str();
  up->add_option("--binary", f->binary, "The minivault binary to run")
      ->capture_default_str();
  up->add_option("--log-level", f->log_level, "The servers' log level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  up->add_option("--shares", f->shares, "Unseal key shares")
      ->capture_default_str();
  up->add_option("--threshold", f->threshold, "Unseal key threshold")
      ->capture_default_str();
  up->add_option("--key-prefix", f->key_prefix,
                 "Prefix of the key files under DIR/keys/ (KubeVault's "
                 "<prefix>-unseal-key-<i> naming)")
      ->capture_default_str();
  up->callback([f, run] { *run = [f] { return RunUp(*f); }; });

  CLI::App* down = dev->add_subcommand(
      "down", "Stop the cluster's nodes (SIGTERM, SIGKILL after 15 s)");
  down->add_option("--dir", f->dir, "The cluster's directory")->required();
  down->add_flag("--purge", f->purge, "Remove the directory once stopped");
  down->callback([f, run] { *run = [f] { return RunDown(*f); }; });

  CLI::App* status = dev->add_subcommand(
      "status",
      "Show each node's process, health and leader; exit 0 if "
      "all are unsealed with one active node");
  status->add_option("--dir", f->dir, "The cluster's directory")->required();
  status->add_flag("--json", f->json, "Print JSON instead of a table");
  status->callback([f, run] { *run = [f] { return RunStatus(*f); }; });
}

}  // namespace vk::minivault
