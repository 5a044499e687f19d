// minivault: a Vault-API-compatible secret server for vaultkeep's demo and
// tests. See docs/minivault.md.
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

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

int RunServer(const ServerFlags& f) {
  auto logger = spdlog::stderr_color_mt("minivault");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(f.log_level));

  std::string host;
  int port = 0;
  if (!SplitHostPort(f.listen, &host, &port))
    return Fail("--listen must be HOST:PORT, got \"" + f.listen + "\"");
  if (f.tls_cert.empty() != f.tls_key.empty())
    return Fail("--tls-cert and --tls-key go together");
  if (vk::Status s = vk::MakeDirs(f.data_dir, 0700); !s.ok())
    return Fail(s.message());
  auto node_id = NodeId(f);
  if (!node_id.ok()) return Fail(node_id.status().message());

  vk::httpd::Options http;
  http.address = host;
  http.port = port;
  if (!f.tls_cert.empty()) {
    auto cert = vk::ReadSmallFile(f.tls_cert);
    auto key = vk::ReadSmallFile(f.tls_key);
    if (!cert.ok()) return Fail(cert.status().message());
    if (!key.ok()) return Fail(key.status().message());
    http.tls_cert_pem = cert.value();
    http.tls_key_pem = key.value();
  }

  auto store = vk::fsm::Store::Open({.dir = f.data_dir + "/raft"});
  if (!store.ok()) return Fail(store.status().message());

  // Block the stop signals before any thread starts, then wait for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  vk::minivault::CoreOptions copt;
  copt.node_id = node_id.value();
  copt.log = [](int level, const std::string& m) {
    spdlog::log(static_cast<spdlog::level::level_enum>(level), m);
  };
  // The addresses need the bound ports: start both servers with handlers
  // that forward to what is built right after.
  std::unique_ptr<vk::minivault::Core> core;
  std::unique_ptr<vk::minivault::Api> api;
  std::unique_ptr<vk::minivault::RaftHost> raft;
  std::atomic<vk::minivault::Api*> api_ptr{nullptr};
  std::atomic<vk::minivault::RaftHost*> raft_ptr{nullptr};
  std::atomic<vk::minivault::Core*> core_ptr{nullptr};
  auto server = vk::httpd::Server::Start(
      http, [&api_ptr](vk::httpd::Request& req, vk::httpd::ResponseWriter& w) {
        vk::minivault::Api* a = api_ptr.load();
        if (!a) return vk::minivault::SendError(w, 503, "starting");
        a->Handle(req, w);
      });
  if (!server.ok()) return Fail(server.status().message());
  int bound = server.value()->port();

  std::string cluster_host = host;
  int cluster_port = port == 0 ? 0 : bound + 1;
  if (!f.cluster_listen.empty() &&
      !SplitHostPort(f.cluster_listen, &cluster_host, &cluster_port))
    return Fail("--cluster-listen must be HOST:PORT, got \"" +
                f.cluster_listen + "\"");
  vk::httpd::Options cluster_http;
  cluster_http.address = cluster_host;
  cluster_http.port = cluster_port;
  auto cluster_server = vk::httpd::Server::Start(
      cluster_http,
      [&raft_ptr](vk::httpd::Request& req, vk::httpd::ResponseWriter& w) {
        vk::minivault::RaftHost* h = raft_ptr.load();
        if (!h) return w.Send(503, "starting\n", "text/plain");
        vk::minivault::ServeCluster(*h, req, w);
      });
  if (!cluster_server.ok())
    return Fail("cluster listener: " + cluster_server.status().message());
  int cluster_bound = cluster_server.value()->port();

  std::string scheme = f.tls_cert.empty() ? "http" : "https";
  copt.api_addr = f.api_addr.empty()
                      ? scheme + "://" + host + ":" + std::to_string(bound)
                      : f.api_addr;
  copt.cluster_addr = f.cluster_addr.empty()
                          ? cluster_host + ":" + std::to_string(cluster_bound)
                          : f.cluster_addr;

  vk::minivault::RaftHostOptions ropt;
  ropt.self = {copt.node_id, copt.cluster_addr, copt.api_addr};
  ropt.dir = f.data_dir + "/raft";
  ropt.store = store.value().get();
  ropt.tick_ms = f.tick_ms;
  ropt.compact_threshold = f.compact_threshold;
  ropt.log = copt.log;
  ropt.on_active = [&core_ptr](bool active) {
    if (auto* c = core_ptr.load()) c->OnActiveChange(active);
  };
  ropt.on_state_replaced = [&core_ptr] {
    if (auto* c = core_ptr.load()) c->OnStateReplaced();
  };
  auto started = vk::minivault::RaftHost::Start(std::move(ropt));
  if (!started.ok()) return Fail("raft: " + started.status().message());
  raft = std::move(started).value();
  core = std::make_unique<vk::minivault::Core>(store.value().get(), raft.get(),
                                               copt);
  core_ptr.store(core.get());
  api = std::make_unique<vk::minivault::Api>(core.get(), raft.get());
  api->set_snapshot_rate_limit(f.snapshot_rate_limit);
  raft_ptr.store(raft.get());
  api_ptr.store(api.get());
  if (!f.port_file.empty()) {
    if (vk::Status s =
            vk::WriteFileAtomic(f.port_file, std::to_string(bound), 0644);
        !s.ok())
      return Fail(s.message());
  }
  if (!f.cluster_port_file.empty()) {
    if (vk::Status s = vk::WriteFileAtomic(f.cluster_port_file,
                                           std::to_string(cluster_bound), 0644);
        !s.ok())
      return Fail(s.message());
  }
  spdlog::info("minivault {} listening on {} (cluster {}, node id {}, data {})",
               vk::minivault::kVersion, copt.api_addr, copt.cluster_addr,
               copt.node_id, f.data_dir);

  int sig = 0;
  sigwait(&stop, &sig);
  spdlog::info("received {}, shutting down",
               sig == SIGTERM ? "SIGTERM" : "SIGINT");
  server.value()->Stop();
  api_ptr.store(nullptr);
  core->WaitForRestore();
  core_ptr.store(nullptr);
  core->StopEvents();
  raft_ptr.store(nullptr);
  cluster_server.value()->Stop();
  raft->Stop();
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
