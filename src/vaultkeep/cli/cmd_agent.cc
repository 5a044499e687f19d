// vaultkeep agent: scheduled backups, retention and prune with Prometheus
// metrics (vaultkeep/agent/agent.h, docs/agent.md). This file owns what a
// program main owns: the flags, the signals, the HTTP listener and the
// lines printed.
//
// Signals: SIGTERM/SIGINT stop (running backups get the config's grace,
// then are aborted; a watchdog ends the process if an abort itself hangs),
// SIGHUP reloads the config file, SIGUSR1 runs every target now. They are
// blocked in every thread and taken by sigwait here, so no handler runs in
// a signal context.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "kit/base/exit_code.h"
#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "kit/env/file.h"
#include "kit/httpd/server.h"
#include "vaultkeep/agent/agent.h"
#include "vaultkeep/agent/config.h"
#include "vaultkeep/agent/http_api.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"

namespace vk::cli {
namespace {

constexpr char kDefaultListen[] = "127.0.0.1:9469";
// After the grace period, how long an aborted run may take to unwind
// before the process exits anyway (nothing is recorded either way).
constexpr auto kAbortBound = std::chrono::seconds(20);

struct AgentFlags {
  std::string config;
  std::string check_config;
  std::string listen;
  std::string address_file;
};

// "host:port" or "[v6]:port"; port 0 picks a free one.
Status ParseListen(const std::string& s, httpd::Options* o) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 == s.size())
    return InvalidArgument("--listen " + Quote(s) + ": expected HOST:PORT");
  std::string host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port = s.substr(colon + 1);
  if (port.find_first_not_of("0123456789") != std::string::npos ||
      port.size() > 5 || std::stoi(port) > 65535) {
    return InvalidArgument("--listen " + Quote(s) + ": bad port");
  }
  o->address = host;
  o->port = std::stoi(port);
  return Status::Ok();
}

std::string Summary(const agent::AgentConfig& c) {
  std::string out;
  size_t repos = 0;
  for (const agent::TargetConfig& t : c.targets) {
    for (const agent::RepoConfig& r : t.repositories) {
      ++repos;
      const schedule::Schedule& s = r.schedule ? *r.schedule : *t.schedule;
      out +=
          "  " + t.name + " -> " + r.name + ": backups " + s.text() +
          " (next " +
          FormatRfc3339(std::chrono::floor<std::chrono::seconds>(
              s.Next(std::chrono::system_clock::now()))) +
          "), prune " + (r.prune_schedule ? r.prune_schedule->text() : "off") +
          (r.retention.HasRule() ? ", retention set" : ", no retention") + "\n";
    }
  }
  return "configuration OK: " + std::to_string(c.targets.size()) +
         " targets, " + std::to_string(repos) + " jobs\n" + out;
}

Status CheckConfig(const std::string& path) {
  VK_ASSIGN_OR_RETURN(agent::AgentConfig c, agent::LoadConfig(path));
  PrintOut(Summary(c));
  return Status::Ok();
}

Status RunAgent(const AgentFlags& f) {
  if (!f.check_config.empty()) return CheckConfig(f.check_config);
  if (f.config.empty())
    return InvalidArgument("give --config FILE (or --check-config FILE)");
  // Before any thread exists, so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  VK_ASSIGN_OR_RETURN(agent::AgentConfig config, agent::LoadConfig(f.config));
  httpd::Options ho;
  VK_RETURN_IF_ERROR(ParseListen(!f.listen.empty()        ? f.listen
                                 : !config.listen.empty() ? config.listen
                                                          : kDefaultListen,
                                 &ho));
  const auto grace = config.grace;
  agent::Agent a(std::move(config), {.version = VAULTKEEP_VERSION});
  VK_RETURN_IF_ERROR(a.Start());
  VK_ASSIGN_OR_RETURN(std::unique_ptr<httpd::Server> server,
                      httpd::Server::Start(ho, agent::HttpApi(a)));
  const std::string addr =
      (ho.address.find(':') != std::string::npos ? "[" + ho.address + "]"
                                                 : ho.address) +
      ":" + std::to_string(server->port());
  if (!f.address_file.empty())
    VK_RETURN_IF_ERROR(WriteFileAtomic(f.address_file, addr + "\n", 0644));
  std::fprintf(stderr, "vaultkeep agent %s: serving http://%s/metrics\n",
               VAULTKEEP_VERSION, addr.c_str());

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      Result<agent::AgentConfig> next = agent::LoadConfig(f.config);
      if (next.ok()) {
        a.Reload(std::move(*next));
      } else {
        a.ReloadFailed(next.status());
      }
    } else if (sig == SIGUSR1) {
      a.RunAll();
    } else {
      break;
    }
  }
  std::fprintf(stderr, "vaultkeep agent: stopping (grace %lld s)\n",
               static_cast<long long>(grace.count()));
  std::thread([grace] {
    std::this_thread::sleep_for(grace + kAbortBound);
    std::fprintf(stderr,
                 "vaultkeep agent: an aborted run did not end; "
                 "exiting (nothing was recorded)\n");
    _exit(kExitUnavailable);
  }).detach();
  a.Stop();
  server->Stop();
  return Status::Ok();
}

}  // namespace

void RegisterAgent(CLI::App& app, Context* ctx) {
  auto f = std::make_shared<AgentFlags>();
  CLI::App* cmd = app.add_subcommand(
      "agent",
      "Run scheduled backups of every target in a config file, with "
      "retention, prune, Prometheus metrics and a status endpoint; or check "
      "a config file (docs/agent.md).");
  cmd->add_option("--config", f->config, "The agent's YAML config file");
  cmd->add_option("--check-config", f->check_config,
                  "Validate this config file and exit");
  cmd->add_option("--listen", f->listen,
                  "HOST:PORT for /metrics, /status, /healthz and POST "
                  "/run/<target> (default: the config's listen, else " +
                      std::string(kDefaultListen) + "; port 0 picks one)");
  cmd->add_option("--address-file", f->address_file,
                  "Write the HOST:PORT listened on to this file once ready");
  cmd->callback([f, ctx] { ctx->action = [f] { return RunAgent(*f); }; });
}

}  // namespace vk::cli
