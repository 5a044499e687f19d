#include "vaultkeep/ops/live_restore.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "kit/base/poll.h"
#include "kit/base/strings.h"
#include "vaultkeep/backup/dump.h"
#include "vaultkeep/ops/stream_thread.h"
#include "vaultkeep/ops/unseal.h"

namespace vk::ops {
namespace {

// Records a step's duration and reports it.
class Steps {
 public:
  Steps(Clock& clock, const RestoreOptions& o, RestoreReport* r)
      : clock_(clock), o_(o), r_(r), t_(clock.Now()) {}
  void Begin() { t_ = clock_.Now(); }
  void Done(std::string name, std::string detail) {
    RestoreStep s{std::move(name), std::move(detail), SecondsSince(clock_, t_)};
    spdlog::debug("restore step {} ({:.1f} s): {}", s.name, s.seconds,
                  s.detail);
    if (o_.on_step) o_.on_step(s);
    r_->steps.push_back(std::move(s));
    t_ = clock_.Now();
  }

 private:
  Clock& clock_;
  const RestoreOptions& o_;
  RestoreReport* r_;
  Clock::TimePoint t_;
};

// The wait of a step after the upload: `settle` in all, looking every
// `poll`, on the client's clock.
PollOptions Settle(vault::Client& client, const RestoreOptions& o) {
  return {.timeout = o.settle, .interval = o.poll, .clock = &client.clock()};
}

std::string SettleSeconds(const RestoreOptions& o) {
  return std::to_string(o.settle.count() / 1000) + " s";
}

// Which node shows that Vault's background restore ran: one that sealed
// itself on the restored data (it was not sealed before), one that now
// reports the backup's cluster id (a forced restore into another cluster),
// or the active node's raft index moving on (a restore into the same
// cluster). "" while none does.
std::string RestoreEvidence(vault::Client& client, const RestorePlan& p,
                            const RestoreOptions& o,
                            const vault::LeaderInfo& before,
                            const std::vector<std::string>& sealed_before) {
  const std::string& src_cluster = p.backup.manifest.cluster.cluster_id;
  const bool other_cluster = o.force && !src_cluster.empty() &&
                             src_cluster != p.active.health.cluster_id;
  for (const std::string& n : p.nodes) {
    Result<vault::Health> h = client.GetHealth(n);
    if (!h.ok()) continue;  // restarting
    if (h->sealed && std::find(sealed_before.begin(), sealed_before.end(), n) ==
                         sealed_before.end())
      return n + " sealed itself on the restored data";
    if (other_cluster && h->cluster_id == src_cluster)
      return n + " now reports cluster " + src_cluster;
  }
  Result<vault::LeaderInfo> now = client.GetLeader(p.active.addr);
  if (now.ok() && now->raft_committed_index > before.raft_committed_index &&
      !other_cluster) {
    return "raft index " + std::to_string(before.raft_committed_index) +
           " -> " + std::to_string(now->raft_committed_index);
  }
  return "";
}

Result<std::string> WaitApplied(vault::Client& client, const RestorePlan& p,
                                const RestoreOptions& o,
                                const vault::LeaderInfo& before,
                                const std::vector<std::string>& sealed_before) {
  std::string seen;
  VK_RETURN_IF_ERROR(PollUntil(
      Settle(client, o),
      [&]() -> std::optional<Status> {
        seen = RestoreEvidence(client, p, o, before, sealed_before);
        if (seen.empty()) return std::nullopt;
        return Status::Ok();
      },
      [&] {
        return Unavailable(
            "Vault accepted the snapshot but no node showed the restore "
            "within " +
            SettleSeconds(o));
      }));
  return seen;
}

// Streams the archive to the endpoint and waits until a node shows the
// restore (step "upload", then "restore applied").
Status Upload(vault::Client& client, repo::Repository& repo,
              const RestorePlan& p, const RestoreOptions& o, Steps* steps) {
  // What "the restore happened" will look like.
  VK_ASSIGN_OR_RETURN(vault::LeaderInfo before,
                      client.GetLeader(p.active.addr));
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
  VK_ASSIGN_OR_RETURN(std::string seen,
                      WaitApplied(client, p, o, before, sealed_before));
  steps->Done("restore applied", seen);

  return Status::Ok();
}

// After a forced restore: the backup's keys into the target's store under
// the target's prefix (step "keys migrated").
Status MigrateKeys(const RestorePlan& p, const RestoreOptions& o,
                   Steps* steps) {
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
  steps->Done("keys migrated", std::to_string(entries.size()) + " keys (" +
                                   Quote(p.keys.prefix) + " -> " +
                                   Quote(o.target_prefix) + ") into " +
                                   p.key_store);
  return Status::Ok();
}

// Every node with the escrowed keys, the proven ones first (step
// "unsealed").
Status Unseal(vault::Client& client, const RestorePlan& p,
              const RestoreOptions& o, RestoreReport* report, Steps* steps) {
  UnsealNotes notes;
  std::vector<NamedShare> order = UnsealOrder(p.keys, p.key_check);
  Status st = UnsealAll(
      client, p.nodes, order,
      {.settle = o.settle, .poll = o.poll, .on_unsealed = o.on_unsealed},
      &notes);
  for (NamedShare& k : order) Wipe(k.value);
  report->notes = notes.lines;
  VK_RETURN_IF_ERROR(st);
  std::string bad =
      notes.bad.empty() ? "" : " (refused: " + Join(notes.bad, ", ") + ")";
  steps->Done("unsealed", std::to_string(p.nodes.size()) +
                              " nodes with the escrowed keys" + bad);
  return Status::Ok();
}

// Waits until the raft configuration lists at least the peers the target
// had before, all voters; returns how many servers it lists.
Result<size_t> WaitPeers(vault::Client& client, const std::string& active,
                         const RestorePlan& p, const RestoreOptions& o) {
  size_t listed = 0;
  VK_RETURN_IF_ERROR(PollUntil(
      Settle(client, o),
      [&]() -> std::optional<Status> {
        Result<std::vector<vault::RaftServer>> servers =
            client.RaftConfiguration(active);
        listed = servers.ok() ? servers->size() : 0;
        if (!servers.ok()) {
          if (servers.status().code() == StatusCode::kUnavailable)
            return std::nullopt;
          return servers.status().WithContext(
              "raft configuration after the restore");
        }
        size_t voters = 0;
        for (const auto& s : *servers) voters += s.voter ? 1 : 0;
        if (servers->size() >= p.peers.size() && voters == servers->size())
          return Status::Ok();
        return std::nullopt;
      },
      [&] {
        return Unavailable("the raft configuration after the restore lists " +
                           std::to_string(listed) + " voters; " +
                           std::to_string(p.peers.size()) + " were expected");
      }));
  return listed;
}

// One node active, the raft peers back, no node sealed (step "healthy").
// Returns the active node.
Result<std::string> CheckHealthy(vault::Client& client, const RestorePlan& p,
                                 const RestoreOptions& o, Steps* steps) {
  vault::FindOptions find = o.find;
  find.wait = o.settle;
  VK_ASSIGN_OR_RETURN(vault::ActiveNode active,
                      vault::FindActive(client, p.nodes, find));
  std::string health = "active " + active.addr;
  if (p.peers_known) {
    VK_ASSIGN_OR_RETURN(size_t peers, WaitPeers(client, active.addr, p, o));
    health += ", " + std::to_string(peers) + " raft peers";
  }
  for (const std::string& n : p.nodes) {
    VK_ASSIGN_OR_RETURN(vault::Health h, client.GetHealth(n));
    if (h.sealed) return FailedPrecondition(n + " is sealed after the restore");
  }
  steps->Done("healthy", health + ", " + std::to_string(p.nodes.size()) +
                             " nodes unsealed");
  return active.addr;
}

// The token (the restored root token when the backup has one) and the
// caller's probe path read on the active node (step "probe").
Status Probe(vault::Client& client, const std::string& active,
             const RestorePlan& p, const RestoreOptions& o, Steps* steps) {
  Result<nlohmann::json> self = client.Read(active, "auth/token/lookup-self");
  if (!self.ok()) {
    return self.status().WithContext(p.keys.root_token
                                         ? "probe with the restored root token"
                                         : "probe with the given token");
  }
  std::string probe =
      p.keys.root_token ? "restored root token valid" : "token valid";
  if (!o.probe_path.empty()) {
    VK_RETURN_IF_ERROR(client.Read(active, o.probe_path)
                           .status()
                           .WithContext("probe read of " + o.probe_path));
    probe += ", read " + o.probe_path;
  }
  steps->Done("probe", probe);
  return Status::Ok();
}

}  // namespace

Result<RestoreReport> ExecuteRestore(vault::Client& client,
                                     repo::Repository& repo,
                                     const RestorePlan& p,
                                     const RestoreOptions& o) {
  RestoreReport report;
  Clock& clock = client.clock();
  Steps steps(clock, o, &report);
  const Clock::TimePoint start = clock.Now();
  if (p.resume) {
    steps.Done("resumed", p.resume_reason);
  } else {
    VK_RETURN_IF_ERROR(Upload(client, repo, p, o, &steps));
  }
  if (!p.migrate_names.empty()) VK_RETURN_IF_ERROR(MigrateKeys(p, o, &steps));
  if (o.unseal && !p.keys.unseal_keys.empty())
    VK_RETURN_IF_ERROR(Unseal(client, p, o, &report, &steps));
  if (p.keys.root_token) client.set_token(*p.keys.root_token);
  VK_ASSIGN_OR_RETURN(report.active, CheckHealthy(client, p, o, &steps));
  VK_RETURN_IF_ERROR(Probe(client, report.active, p, o, &steps));
  report.seconds = SecondsSince(clock, start);
  return report;
}

}  // namespace vk::ops
