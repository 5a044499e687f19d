#include "vaultkeep/cli/demo_cluster.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <thread>

#include "kit/base/strings.h"
#include "kit/crypto/aead.h"
#include "kit/crypto/sha256.h"
#include "kit/env/file.h"

extern char** environ;

namespace vk::cli {

Status RunLogged(const std::vector<std::string>& argv, const std::string& log) {
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("open " + log, errno);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fd, 1);
  posix_spawn_file_actions_adddup2(&fa, fd, 2);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc =
      posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fd);
  if (rc != 0) return ErrnoStatus("run " + argv[0], rc);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return ErrnoStatus("wait for " + argv[0], errno);
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  std::string how = WIFEXITED(status)
                        ? "exit status " + std::to_string(WEXITSTATUS(status))
                        : "signal " + std::to_string(WTERMSIG(status));
  std::string cmd;
  for (size_t i = 0; i < argv.size() && i < 3; ++i) cmd += argv[i] + " ";
  return Internal(cmd + "failed (" + how + "); see " + log);
}

Result<DemoCluster> StartDevCluster(const std::string& minivault,
                                    const std::string& dir, int nodes,
                                    const std::string& key_prefix,
                                    const std::string& log) {
  VK_RETURN_IF_ERROR(RunLogged(
      {minivault, "dev-cluster", "up", "--nodes", std::to_string(nodes),
       "--dir", dir, "--shares", "5", "--threshold", "3", "--key-prefix",
       key_prefix, "--log-level", "warn"},
      log));
  VK_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(dir + "/cluster.json"));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j["nodes"].is_array())
    return Corruption(dir + "/cluster.json: unexpected content");
  DemoCluster c;
  c.dir = dir;
  for (const auto& n : j["nodes"]) {
    if (!n.is_object() || !n["api_addr"].is_string())
      return Corruption(dir + "/cluster.json: a node without api_addr");
    c.addrs.push_back(n["api_addr"].get<std::string>());
  }
  c.token_file = dir + "/root-token";
  c.key_dir = dir + "/keys";
  return c;
}

Status StopDevCluster(const std::string& minivault, const std::string& dir,
                      const std::string& log) {
  return RunLogged({minivault, "dev-cluster", "down", "--dir", dir, "--purge"},
                   log);
}

namespace {

std::string SecretPath(size_t i) {
  return "secret/data/demo/app-" + std::to_string(i);
}

// Runs fn(i) for i in [first, first+count) on `threads` threads, each with
// its own client; the first error wins and stops the others.
Status ForEach(const vault::ClientOptions& options, const std::string& token,
               size_t first, size_t count, int threads,
               const std::function<Status(vault::Client&, size_t)>& fn) {
  std::atomic<size_t> next{first};
  std::atomic<bool> failed{false};
  std::vector<Status> errors(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      vault::Client client(options, token);
      for (;;) {
        size_t i = next.fetch_add(1);
        if (i >= first + count || failed.load()) return;
        Status st = fn(client, i);
        if (!st.ok()) {
          errors[static_cast<size_t>(t)] = st;
          failed = true;
          return;
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  for (const Status& st : errors) {
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Status WriteSecrets(const vault::ClientOptions& options,
                    const std::string& token, const std::string& addr,
                    const Workload& w, size_t first, size_t count,
                    int threads) {
  return ForEach(options, token, first, count, threads,
                 [&](vault::Client& c, size_t i) -> Status {
                   // ~1 KiB per secret, like a certificate or a config
                   // blob: big enough that a backup has thousands of
                   // chunks, so what dedup saves is visible.
                   nlohmann::json body = {
                       {"data",
                        {{"value", w.expected[i]},
                         {"owner", "team-" + std::to_string(i % 7)},
                         {"payload", HexEncode(AsBytes(RandomBytes(480)))}}}};
                   return c.Write(addr, SecretPath(i), body).status();
                 });
}

Status VerifySecrets(const vault::ClientOptions& options,
                     const std::string& token, const std::string& addr,
                     const Workload& w, int threads) {
  return ForEach(
      options, token, 0, w.expected.size(), threads,
      [&](vault::Client& c, size_t i) -> Status {
        Result<nlohmann::json> got = c.Read(addr, SecretPath(i));
        if (!got.ok()) return got.status().WithContext(SecretPath(i));
        // KV v2 nests the secret: {"data": {...}, "metadata": {...}}.
        const nlohmann::json& d = *got;
        std::string value;
        if (d.contains("data") && d["data"].is_object() &&
            d["data"].contains("value") && d["data"]["value"].is_string()) {
          value = d["data"]["value"].get<std::string>();
        }
        if (value != w.expected[i]) {
          return Corruption(SecretPath(i) + " holds " + Quote(value) +
                            ", expected " + Quote(w.expected[i]));
        }
        return Status::Ok();
      });
}

}  // namespace vk::cli
