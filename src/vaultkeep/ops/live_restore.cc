#include "vaultkeep/ops/live_restore.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "kit/base/strings.h"
#include "vaultkeep/backup/dump.h"
#include "vaultkeep/ops/stream_thread.h"
#include "vaultkeep/ops/unseal.h"

namespace vk::ops {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Records a step's duration and reports it.
class Steps {
 public:
  Steps(const RestoreOptions& o, RestoreReport* r) : o_(o), r_(r) {}
  void Begin() { t_ = Clock::now(); }
  void Done(std::string name, std::string detail) {
    RestoreStep s{std::move(name), std::move(detail), Since(t_)};
    spdlog::debug("restore step {} ({:.1f} s): {}", s.name, s.seconds,
                  s.detail);
    if (o_.on_step) o_.on_step(s);
    r_->steps.push_back(std::move(s));
    t_ = Clock::now();
  }

 private:
  const RestoreOptions& o_;
  RestoreReport* r_;
  Clock::time_point t_ = Clock::now();
};

// Streams the archive to the endpoint and waits until a node shows the
// restore (step "upload", then "restore applied").
Status Upload(vault::Client& client, repo::Repository& repo,
              const RestorePlan& p, const RestoreOptions& o, Steps* steps) {
  // What "the restore happened" will look like.
  VK_ASSIGN_OR_RETURN(vault::LeaderInfo before,
                      client.GetLeader(p.active.addr));
  const std::string& src_cluster = p.backup.manifest.cluster.cluster_id;
  const std::string& dst_cluster = p.active.health.cluster_id;
  // Nodes sealed already (a rerun after an interrupted unseal) prove
  // nothing by being sealed.
  std::vector<std::string> sealed_before;
  for (const std::string& n : p.nodes) {
    Result<vault::Health> h = client.GetHealth(n);
    if (h.ok() && h->sealed) sealed_before.push_back(n);
  }

  steps->Begin();
  uint64_t sent = 0;
  StreamThread archive([&](ByteSink* out) -> Status {
    VK_ASSIGN_OR_RETURN(backup::DumpResult d,
                        backup::DumpArchive(repo, p.backup, out, {}));
    sent = d.bytes;
    return Status::Ok();
  });
  Status upload = client.Restore(p.active.addr, &archive, o.force, o.progress);
  Status dump = archive.Join();
  if (!upload.ok()) {
    if (!dump.ok() && dump.code() != StatusCode::kAborted) upload = dump;
    return upload.WithContext("restore upload to " + p.active.addr +
                              " (the cluster was not changed)");
  }
  if (!dump.ok()) return dump;
  steps->Done("upload", std::to_string(sent) + " bytes to " + p.active.addr +
                            " " + p.endpoint);

  // Vault answers 204 before its background restore has run.
  auto deadline = Clock::now() + o.settle;
  std::string seen;
  while (seen.empty()) {
    for (const std::string& n : p.nodes) {
      Result<vault::Health> h = client.GetHealth(n);
      if (!h.ok()) continue;  // restarting
      if (h->sealed && std::find(sealed_before.begin(), sealed_before.end(),
                                 n) == sealed_before.end()) {
        seen = n + " sealed itself on the restored data";
      } else if (o.force && !src_cluster.empty() &&
                 src_cluster != dst_cluster && h->cluster_id == src_cluster) {
        seen = n + " now reports cluster " + src_cluster;
      }
      if (!seen.empty()) break;
    }
    if (seen.empty()) {
      Result<vault::LeaderInfo> now = client.GetLeader(p.active.addr);
      if (now.ok() && now->raft_committed_index > before.raft_committed_index &&
          !(o.force && !src_cluster.empty() && src_cluster != dst_cluster)) {
        seen = "raft index " + std::to_string(before.raft_committed_index) +
               " -> " + std::to_string(now->raft_committed_index);
      }
    }
    if (!seen.empty()) break;
    if (Clock::now() > deadline) {
      return Unavailable(
          "Vault accepted the snapshot but no node showed the "
          "restore within " +
          std::to_string(o.settle.count() / 1000) + " s");
    }
    std::this_thread::sleep_for(o.poll);
  }
  steps->Done("restore applied", seen);

  return Status::Ok();
}

}  // namespace

Result<RestoreReport> ExecuteRestore(vault::Client& client,
                                     repo::Repository& repo,
                                     const RestorePlan& p,
                                     const RestoreOptions& o) {
  RestoreReport report;
  Steps steps(o, &report);
  auto start = Clock::now();

  if (p.resume) {
    steps.Done("resumed", p.resume_reason);
  } else {
    VK_RETURN_IF_ERROR(Upload(client, repo, p, o, &steps));
  }

  if (!p.migrate_names.empty()) {
    std::map<std::string, std::string> entries;
    if (p.keys.root_token)
      entries[keystore::RootTokenName(o.target_prefix)] = *p.keys.root_token;
    for (size_t i = 0; i < p.keys.unseal_keys.size(); ++i) {
      entries[keystore::UnsealKeyName(o.target_prefix, static_cast<int>(i))] =
          p.keys.unseal_keys[i];
    }
    Status put = o.target_keys->PutAll(entries);
    for (auto& [name, value] : entries) Wipe(value);
    VK_RETURN_IF_ERROR(put.WithContext(
        "migrating the escrowed keys (the restore itself succeeded; "
        "running it again finishes it)"));
    steps.Done("keys migrated", std::to_string(entries.size()) + " keys (" +
                                    Quote(p.keys.prefix) + " -> " +
                                    Quote(o.target_prefix) + ") into " +
                                    p.key_store);
  }

  if (o.unseal && !p.keys.unseal_keys.empty()) {
    UnsealNotes notes;
    std::vector<NamedShare> order = UnsealOrder(p.keys, p.key_check);
    Status st = UnsealAll(
        client, p.nodes, order,
        {.settle = o.settle, .poll = o.poll, .on_unsealed = o.on_unsealed},
        &notes);
    for (NamedShare& k : order) Wipe(k.value);
    report.notes = notes.lines;
    VK_RETURN_IF_ERROR(st);
    std::string bad =
        notes.bad.empty() ? "" : " (refused: " + Join(notes.bad, ", ") + ")";
    steps.Done("unsealed", std::to_string(p.nodes.size()) +
                               " nodes with the escrowed keys" + bad);
  }

  if (p.keys.root_token) client.set_token(*p.keys.root_token);
  vault::FindOptions find = o.find;
  find.wait = o.settle;
  VK_ASSIGN_OR_RETURN(vault::ActiveNode active,
                      vault::FindActive(client, p.nodes, find));
  report.active = active.addr;
  std::string health = "active " + active.addr;
  if (p.peers_known) {
    auto deadline = Clock::now() + o.settle;
    for (;;) {
      Result<std::vector<vault::RaftServer>> servers =
          client.RaftConfiguration(active.addr);
      if (!servers.ok() &&
          servers.status().code() != StatusCode::kUnavailable) {
        return servers.status().WithContext(
            "raft configuration after the "
            "restore");
      }
      size_t voters = 0;
      if (servers.ok()) {
        for (const auto& s : *servers) voters += s.voter ? 1 : 0;
      }
      if (servers.ok() && servers->size() >= p.peers.size() &&
          voters == servers->size()) {
        health += ", " + std::to_string(servers->size()) + " raft peers";
        break;
      }
      if (Clock::now() > deadline) {
        return Unavailable("the raft configuration after the restore lists " +
                           std::to_string(servers.ok() ? servers->size() : 0) +
                           " voters; " + std::to_string(p.peers.size()) +
                           " were expected");
      }
      std::this_thread::sleep_for(o.poll);
    }
  }
  for (const std::string& n : p.nodes) {
    VK_ASSIGN_OR_RETURN(vault::Health h, client.GetHealth(n));
    if (h.sealed) return FailedPrecondition(n + " is sealed after the restore");
  }
  steps.Done("healthy", health + ", " + std::to_string(p.nodes.size()) +
                            " nodes unsealed");

  Result<nlohmann::json> self =
      client.Read(active.addr, "auth/token/lookup-self");
  if (!self.ok()) {
    return self.status().WithContext(p.keys.root_token
                                         ? "probe with the restored root token"
                                         : "probe with the given token");
  }
  std::string probe =
      p.keys.root_token ? "restored root token valid" : "token valid";
  if (!o.probe_path.empty()) {
    VK_RETURN_IF_ERROR(client.Read(active.addr, o.probe_path)
                           .status()
                           .WithContext("probe read of " + o.probe_path));
    probe += ", read " + o.probe_path;
  }
  steps.Done("probe", probe);
  report.seconds = Since(start);
  return report;
}

}  // namespace vk::ops
