// minivault: a Vault-API-compatible secret server for vaultkeep's demo and
// tests. See docs/minivault.md.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "kit/env/file.h"
#include "kit/httpd/server.h"
#include "minivault/api/api.h"
#include "minivault/cluster/raft_host.h"
#include "minivault/cluster/raft_service.h"
#include "minivault/core/core.h"
#include "minivault/dev/dev_cluster.h"
#include "minivault/fsm/store.h"

namespace {

struct ServerFlags {
  std::string listen = "127.0.0.1:8200";
  std::string data_dir;
  std::string node_id;
  std::string api_addr;
  std::string cluster_addr;
  std::string tls_cert, tls_key;
  std::string log_level = "info";
  std::string port_file;
  std::string cluster_listen;
  std::string cluster_port_file;
  int tick_ms = 100;
  uint64_t compact_threshold = 8192;
  uint64_t snapshot_rate_limit = 0;
};

bool SplitHostPort(const std::string& s, std::string* host, int* port) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = s.substr(0, colon);
  try {
    size_t used = 0;
    *port = std::stoi(s.substr(colon + 1), &used);
    if (used != s.size() - colon - 1 || *port < 0 || *port > 65535)
      return false;
  } catch (...) {
    return false;
  }
  return true;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "minivault: %s\n", message.c_str());
  return 1;
}

// The node id persists in the data directory (Vault: node-id file).
vk::Result<std::string> NodeId(const ServerFlags& f) {
  std::string path = f.data_dir + "/node-id";
  auto existing = vk::ReadSmallFile(path);
  if (existing.ok() && !existing.value().empty()) {
    if (!f.node_id.empty() && f.node_id != existing.value())
      return vk::InvalidArgument("--node-id " + f.node_id +
                                 " differs from the stored node id " +
                                 existing.value());
    return existing.value();
  }
  std::string id = f.node_id.empty() ? vk::minivault::NewUuid() : f.node_id;
  if (vk::Status s = vk::WriteFileAtomic(path, id, 0600); !s.ok()) return s;
  return id;
}

void SetUpLogging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("minivault");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

// The API listener's options from --listen and the TLS flags; fails on
// flags that do not go together and on unreadable TLS files.
vk::Result<vk::httpd::Options> ApiListener(const ServerFlags& f) {
  vk::httpd::Options http;
  if (!SplitHostPort(f.listen, &http.address, &http.port))
    return vk::InvalidArgument("--listen must be HOST:PORT, got \"" + f.listen +
                               "\"");
  if (f.tls_cert.empty() != f.tls_key.empty())
    return vk::InvalidArgument("--tls-cert and --tls-key go together");
  return http;
}

vk::Status ReadTls(const ServerFlags& f, vk::httpd::Options* http) {
  if (f.tls_cert.empty()) return vk::Status::Ok();
  auto cert = vk::ReadSmallFile(f.tls_cert);
  auto key = vk::ReadSmallFile(f.tls_key);
  if (!cert.ok()) return cert.status();
  if (!key.ok()) return key.status();
  http->tls_cert_pem = cert.value();
  http->tls_key_pem = key.value();
  return vk::Status::Ok();
}

// The stop signals, blocked in every thread (call before any starts) so
// that the main thread can sigwait for them.
sigset_t BlockStopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  return stop;
}

// A running node. The addresses in the raft configuration need the bound
// ports, so both listeners start first with handlers that forward to what
// is built right after (503 until then). The declaration order makes the
// destruction order: the listeners first (their handlers read the
// pointers), then raft, the API and the core.
class Node {
 public:
  vk::Status StartListeners(const ServerFlags& f,
                            const vk::httpd::Options& http);
  // The API and raft addresses clients and peers are given: the flags'
  // else the bound listeners'.
  void SetAddresses(const ServerFlags& f,
                    vk::minivault::CoreOptions* copt) const;
  vk::Status StartRaftAndCore(const ServerFlags& f, vk::fsm::Store* store,
                              const vk::minivault::CoreOptions& copt);
  vk::Status WritePortFiles(const ServerFlags& f) const;
  // Stops taking requests, lets a restore finish, then stops raft.
  void Shutdown();

 private:
  std::unique_ptr<vk::minivault::Core> core_;
  std::unique_ptr<vk::minivault::Api> api_;
  std::unique_ptr<vk::minivault::RaftHost> raft_;
  std::atomic<vk::minivault::Api*> api_ptr_{nullptr};
  std::atomic<vk::minivault::RaftHost*> raft_ptr_{nullptr};
  std::atomic<vk::minivault::Core*> core_ptr_{nullptr};
  std::unique_ptr<vk::httpd::Server> server_;
  std::unique_ptr<vk::httpd::Server> cluster_server_;
  std::string host_, cluster_host_;
  int bound_ = 0, cluster_bound_ = 0;
};

vk::Status Node::StartListeners(const ServerFlags& f,
                                const vk::httpd::Options& http) {
  auto server = vk::httpd::Server::Start(
      http, [this](vk::httpd::Request& req, vk::httpd::ResponseWriter& w) {
        vk::minivault::Api* a = api_ptr_.load();
        if (!a) return vk::minivault::SendError(w, 503, "starting");
        a->Handle(req, w);
      });
  if (!server.ok()) return server.status();
  server_ = std::move(server).value();
  host_ = http.address;
  bound_ = server_->port();

  cluster_host_ = http.address;
  int cluster_port = http.port == 0 ? 0 : bound_ + 1;
  if (!f.cluster_listen.empty() &&
      !SplitHostPort(f.cluster_listen, &cluster_host_, &cluster_port))
    return vk::InvalidArgument("--cluster-listen must be HOST:PORT, got \"" +
                               f.cluster_listen + "\"");
  vk::httpd::Options cluster_http;
  cluster_http.address = cluster_host_;
  cluster_http.port = cluster_port;
  auto cluster_server = vk::httpd::Server::Start(
      cluster_http,
      [this](vk::httpd::Request& req, vk::httpd::ResponseWriter& w) {
        vk::minivault::RaftHost* h = raft_ptr_.load();
        if (!h) return w.Send(503, "starting\n", "text/plain");
        vk::minivault::ServeCluster(*h, req, w);
      });
  if (!cluster_server.ok())
    return cluster_server.status().WithContext("cluster listener");
  cluster_server_ = std::move(cluster_server).value();
  cluster_bound_ = cluster_server_->port();
  return vk::Status::Ok();
}

void Node::SetAddresses(const ServerFlags& f,
                        vk::minivault::CoreOptions* copt) const {
  std::string scheme = f.tls_cert.empty() ? "http" : "https";
  copt->api_addr = f.api_addr.empty()
                       ? scheme + "://" + host_ + ":" + std::to_string(bound_)
                       : f.api_addr;
  copt->cluster_addr =
      f.cluster_addr.empty()
          ? cluster_host_ + ":" + std::to_string(cluster_bound_)
          : f.cluster_addr;
}

vk::Status Node::StartRaftAndCore(const ServerFlags& f, vk::fsm::Store* store,
                                  const vk::minivault::CoreOptions& copt) {
  vk::minivault::RaftHostOptions ropt;
  ropt.self = {copt.node_id, copt.cluster_addr, copt.api_addr};
  ropt.dir = f.data_dir + "/raft";
  ropt.store = store;
  ropt.tick_ms = f.tick_ms;
  ropt.compact_threshold = f.compact_threshold;
  ropt.log = copt.log;
  ropt.on_active = [this](bool active) {
    if (auto* c = core_ptr_.load()) c->OnActiveChange(active);
  };
  ropt.on_state_replaced = [this] {
    if (auto* c = core_ptr_.load()) c->OnStateReplaced();
  };
  auto started = vk::minivault::RaftHost::Start(std::move(ropt));
  if (!started.ok()) return started.status().WithContext("raft");
  raft_ = std::move(started).value();
  core_ = std::make_unique<vk::minivault::Core>(store, raft_.get(), copt);
  core_ptr_.store(core_.get());
  api_ = std::make_unique<vk::minivault::Api>(core_.get(), raft_.get());
  api_->set_snapshot_rate_limit(f.snapshot_rate_limit);
  raft_ptr_.store(raft_.get());
  api_ptr_.store(api_.get());
  return vk::Status::Ok();
}

vk::Status Node::WritePortFiles(const ServerFlags& f) const {
  if (!f.port_file.empty()) {
    VK_RETURN_IF_ERROR(
        vk::WriteFileAtomic(f.port_file, std::to_string(bound_), 0644));
  }
  if (!f.cluster_port_file.empty()) {
    VK_RETURN_IF_ERROR(vk::WriteFileAtomic(
        f.cluster_port_file, std::to_string(cluster_bound_), 0644));
  }
  return vk::Status::Ok();
}

void Node::Shutdown() {
  server_->Stop();
  api_ptr_.store(nullptr);
  core_->WaitForRestore();
  core_ptr_.store(nullptr);
  core_->StopEvents();
  raft_ptr_.store(nullptr);
  cluster_server_->Stop();
  raft_->Stop();
}

int RunServer(const ServerFlags& f) {
  SetUpLogging(f.log_level);
  auto http = ApiListener(f);
  if (!http.ok()) return Fail(http.status().message());
  if (vk::Status s = vk::MakeDirs(f.data_dir, 0700); !s.ok())
    return Fail(s.message());
  auto node_id = NodeId(f);
  if (!node_id.ok()) return Fail(node_id.status().message());
  if (vk::Status s = ReadTls(f, &http.value()); !s.ok())
    return Fail(s.message());
  auto store = vk::fsm::Store::Open({.dir = f.data_dir + "/raft"});
  if (!store.ok()) return Fail(store.status().message());

  sigset_t stop = BlockStopSignals();
  vk::minivault::CoreOptions copt;
  copt.node_id = node_id.value();
  copt.log = [](int level, const std::string& m) {
    spdlog::log(static_cast<spdlog::level::level_enum>(level), m);
  };
  Node node;
  if (vk::Status s = node.StartListeners(f, http.value()); !s.ok())
    return Fail(s.message());
  node.SetAddresses(f, &copt);
  if (vk::Status s = node.StartRaftAndCore(f, store.value().get(), copt);
      !s.ok())
    return Fail(s.message());
  if (vk::Status s = node.WritePortFiles(f); !s.ok()) return Fail(s.message());
  spdlog::info("minivault {} listening on {} (cluster {}, node id {}, data {})",
               vk::minivault::kVersion, copt.api_addr, copt.cluster_addr,
               copt.node_id, f.data_dir);

  int sig = 0;
  sigwait(&stop, &sig);
  spdlog::info("received {}, shutting down",
               sig == SIGTERM ? "SIGTERM" : "SIGINT");
  node.Shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "minivault: a Vault-API-compatible secret server (a raft cluster of "
      "one or more nodes) with Vault's seal, barrier and raft snapshots",
      "minivault"};
  app.require_subcommand(1);
  ServerFlags f;
  auto* server = app.add_subcommand("server", "Run the server until SIGTERM");
  server
      ->add_option("--listen", f.listen,
                   "Address to listen on, HOST:PORT (port 0 picks a free one)")
      ->capture_default_str();
  server
      ->add_option("--data-dir", f.data_dir,
                   "Directory for the store and node id")
      ->required();
  server->add_option("--node-id", f.node_id,
                     "Raft node id (default: stored, or a new UUID)");
  server->add_option("--api-addr", f.api_addr,
                     "Address clients are sent to (default: scheme://listen)");
  server->add_option(
      "--cluster-addr", f.cluster_addr,
      "Raft address in the configuration (default: host:port+1)");
  server->add_option("--tls-cert", f.tls_cert,
                     "PEM certificate file (enables HTTPS)");
  server->add_option("--tls-key", f.tls_key, "PEM private key file");
  server
      ->add_option("--log-level", f.log_level,
                   "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  server->add_option("--port-file", f.port_file,
                     "Write the bound port here once listening");
  server->add_option("--cluster-listen", f.cluster_listen,
                     "Raft listener, HOST:PORT (default: the API host, port+1; "
                     "port 0 when the API port is 0)");
  server->add_option("--cluster-port-file", f.cluster_port_file,
                     "Write the bound cluster port here once listening");
  server
      ->add_option("--raft-tick-ms", f.tick_ms,
                   "Raft tick; elections time out after 20 to 40 ticks")
      ->check(CLI::Range(10, 10000))
      ->capture_default_str();
  server
      ->add_option("--raft-compact-threshold", f.compact_threshold,
                   "Log entries kept before the raft log is compacted")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40))
      ->capture_default_str();
  server->add_option("--snapshot-rate-limit", f.snapshot_rate_limit,
                     "Cap snapshot downloads at this many bytes per second "
                     "(a test knob for interrupted transfers; 0: none)");
  auto* version = app.add_subcommand("version", "Print the version");
  std::function<int()> dev_cluster;
  vk::minivault::AddDevClusterCommands(app, &dev_cluster);
  CLI11_PARSE(app, argc, argv);
  if (dev_cluster) return dev_cluster();
  if (version->parsed()) {
    std::printf("minivault %s\n", vk::minivault::kVersion);
    return 0;
  }
  return RunServer(f);
}
