#include "ops/live_restore.h"

#include <algorithm>
#include <thread>

#include "backup/dump.h"
#include "base/strings.h"
#include "ops/stream_thread.h"

namespace vk::ops {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

void AddNode(std::vector<std::string>* nodes, const std::string& addr) {
  Result<std::string> n = vault::NormalizeAddr(addr);
  if (!n.ok()) return;
  if (std::find(nodes->begin(), nodes->end(), *n) == nodes->end())
    nodes->push_back(*n);
}

// Records a step's duration and reports it.
class Steps {
 public:
  Steps(const RestoreOptions& o, RestoreReport* r) : o_(o), r_(r) {}
  void Begin() { t_ = Clock::now(); }
  void Done(std::string name, std::string detail) {
    RestoreStep s{std::move(name), std::move(detail), Since(t_)};
    if (o_.on_step) o_.on_step(s);
    r_->steps.push_back(std::move(s));
    t_ = Clock::now();
  }

 private:
  const RestoreOptions& o_;
  RestoreReport* r_;
  Clock::time_point t_ = Clock::now();
};

// Unseals `addr` with the escrowed keys; true once it reports unsealed.
// Unreachable nodes (restarting after the restore) are not an error here:
// the caller polls again.
Result<bool> UnsealNode(vault::Client& client, const std::string& addr,
                        const std::vector<std::string>& keys) {
  Result<vault::SealStatus> st = client.GetSealStatus(addr);
  if (!st.ok()) {
    if (st.status().code() == StatusCode::kUnavailable) return false;
    return st.status();
  }
  if (!st->initialized) return false;
  if (!st->sealed) return true;
  for (const std::string& key : keys) {
    Result<vault::SealStatus> after = client.Unseal(addr, key);
    if (!after.ok()) {
      if (after.status().code() == StatusCode::kUnavailable) return false;
      return after.status().WithContext("unsealing " + addr);
    }
    if (!after->sealed) return true;
  }
  return FailedPrecondition(
      addr + " is still sealed after all " + std::to_string(keys.size()) +
      " escrowed unseal keys: the backup's keys do not match the restored "
      "data");
}

}  // namespace

Result<RestorePlan> PlanRestore(vault::Client& client, repo::Repository& repo,
                                const backup::SnapshotEntry& snapshot,
                                const RestoreOptions& o) {
  if (o.addrs.empty()) return InvalidArgument("no Vault address given");
  RestorePlan p;
  p.snapshot = snapshot;
  VK_ASSIGN_OR_RETURN(p.backup, backup::OpenVaultBackup(repo, snapshot));
  VK_ASSIGN_OR_RETURN(p.keys, LoadEscrowedKeys(repo, p.backup));
  const backup::ClusterFacts& src = p.backup.manifest.cluster;

  VK_ASSIGN_OR_RETURN(p.active, vault::FindActive(client, o.addrs, o.find));
  VK_ASSIGN_OR_RETURN(p.seal, client.GetSealStatus(p.active.addr));
  Result<std::vector<vault::RaftServer>> peers =
      client.RaftConfiguration(p.active.addr);
  if (peers.ok()) {
    p.peers = std::move(*peers);
    p.peers_known = true;
  } else if (peers.status().code() == StatusCode::kPermissionDenied) {
    p.warnings.push_back(
        "the token may not read sys/storage/raft/configuration: the peer "
        "count after the restore is not checked");
  } else {
    return peers.status();
  }
  for (const std::string& a : o.addrs) AddNode(&p.nodes, a);
  AddNode(&p.nodes, p.active.addr);

  if (!src.seal_type.empty() && !p.seal.type.empty() &&
      src.seal_type != p.seal.type) {
    return FailedPrecondition("the backup comes from a " + src.seal_type +
                              " seal and the target uses " + p.seal.type +
                              ": Vault cannot open the restored data");
  }
  p.endpoint =
      o.force ? "sys/storage/raft/snapshot-force" : "sys/storage/raft/snapshot";
  p.threshold = src.threshold;
  if (!o.force && src.captured && !src.cluster_id.empty() &&
      src.cluster_id != p.active.health.cluster_id) {
    p.warnings.push_back("the backup comes from cluster " + src.cluster_id +
                         " and the target is " + p.active.health.cluster_id +
                         ": unless both share unseal keys Vault refuses the "
                         "restore without --force");
  }
  if (o.force && o.unseal && p.keys.unseal_keys.empty()) {
    return FailedPrecondition(
        "the backup holds no unseal keys: after a forced restore the "
        "cluster is sealed with the source cluster's keys; restore with "
        "--no-unseal if you hold those keys yourself");
  }
  if (p.threshold > 0 &&
      static_cast<int>(p.keys.unseal_keys.size()) < p.threshold && o.unseal &&
      o.force) {
    return FailedPrecondition(
        "the backup holds " + std::to_string(p.keys.unseal_keys.size()) +
        " unseal keys and its cluster needs " + std::to_string(p.threshold));
  }
  if (o.target_keys != nullptr) {
    VK_RETURN_IF_ERROR(keystore::ValidatePrefix(o.target_prefix));
    p.key_store = o.target_keys->Describe();
    if (o.force) {
      if (p.keys.root_token)
        p.migrate_names.push_back(keystore::RootTokenName(o.target_prefix));
      for (size_t i = 0; i < p.keys.unseal_keys.size(); ++i) {
        p.migrate_names.push_back(
            keystore::UnsealKeyName(o.target_prefix, static_cast<int>(i)));
      }
    } else {
      p.warnings.push_back(
          "no --force: the target keeps its own keys, nothing is migrated "
          "into " +
          p.key_store);
    }
  }
  if (p.peers_known && p.nodes.size() < p.peers.size()) {
    p.warnings.push_back(
        std::to_string(p.peers.size()) + " raft peers but " +
        std::to_string(p.nodes.size()) +
        " known API addresses: vaultkeep unseals those; the others must be "
        "unsealed by their own unsealer (give every node with --vault-addr)");
  }
  return p;
}

Result<RestoreReport> ExecuteRestore(vault::Client& client,
                                     repo::Repository& repo,
                                     const RestorePlan& p,
                                     const RestoreOptions& o) {
  RestoreReport report;
  Steps steps(o, &report);
  auto start = Clock::now();

  // What "the restore happened" will look like.
  VK_ASSIGN_OR_RETURN(vault::LeaderInfo before,
                      client.GetLeader(p.active.addr));
  const std::string& src_cluster = p.backup.manifest.cluster.cluster_id;
  const std::string& dst_cluster = p.active.health.cluster_id;

  steps.Begin();
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
  steps.Done("upload", std::to_string(sent) + " bytes to " + p.active.addr +
                           " " + p.endpoint);

  // Vault answers 204 before its background restore has run.
  auto deadline = Clock::now() + o.settle;
  std::string seen;
  while (seen.empty()) {
    for (const std::string& n : p.nodes) {
      Result<vault::Health> h = client.GetHealth(n);
      if (!h.ok()) continue;  // restarting
      if (h->sealed) {
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
  steps.Done("restore applied", seen);

  if (!p.migrate_names.empty()) {
    std::map<std::string, std::string> entries;
    if (p.keys.root_token)
      entries[keystore::RootTokenName(o.target_prefix)] = *p.keys.root_token;
    for (size_t i = 0; i < p.keys.unseal_keys.size(); ++i) {
      entries[keystore::UnsealKeyName(o.target_prefix, static_cast<int>(i))] =
          p.keys.unseal_keys[i];
    }
    VK_RETURN_IF_ERROR(o.target_keys->PutAll(entries).WithContext(
        "migrating the escrowed keys (the restore itself succeeded)"));
    steps.Done("keys migrated", std::to_string(entries.size()) + " keys (" +
                                    Quote(p.keys.prefix) + " -> " +
                                    Quote(o.target_prefix) + ") into " +
                                    p.key_store);
  }

  if (o.unseal && !p.keys.unseal_keys.empty()) {
    std::vector<std::string> pending = p.nodes;
    deadline = Clock::now() + o.settle;
    while (!pending.empty()) {
      std::vector<std::string> still;
      for (const std::string& n : pending) {
        VK_ASSIGN_OR_RETURN(bool open,
                            UnsealNode(client, n, p.keys.unseal_keys));
        if (!open) still.push_back(n);
      }
      pending = std::move(still);
      if (pending.empty()) break;
      if (Clock::now() > deadline) {
        return Unavailable("nodes not unsealed within " +
                           std::to_string(o.settle.count() / 1000) +
                           " s: " + Join(pending, ", "));
      }
      std::this_thread::sleep_for(o.poll);
    }
    steps.Done("unsealed", std::to_string(p.nodes.size()) +
                               " nodes with the escrowed keys");
  }

  if (p.keys.root_token) client.set_token(*p.keys.root_token);
  vault::FindOptions find = o.find;
  find.wait = o.settle;
  VK_ASSIGN_OR_RETURN(vault::ActiveNode active,
                      vault::FindActive(client, p.nodes, find));
  report.active = active.addr;
  std::string health = "active " + active.addr;
  if (p.peers_known) {
    deadline = Clock::now() + o.settle;
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
