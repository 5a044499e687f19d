// PlanRestore (live_restore.h): the pre-flight that changes nothing.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "kit/base/strings.h"
#include "vaultkeep/ops/live_restore.h"
#include "vaultkeep/vault/capabilities.h"

namespace vk::ops {
namespace {

void AddNode(std::vector<std::string>* nodes, const std::string& addr) {
  Result<std::string> n = vault::NormalizeAddr(addr);
  if (!n.ok()) return;
  if (std::find(nodes->begin(), nodes->end(), *n) == nodes->end())
    nodes->push_back(*n);
}

// What every given address says before anything changes.
struct Census {
  std::vector<std::string> sealed;    // initialized and sealed
  std::vector<std::string> unsealed;  // initialized and unsealed
  vault::SealStatus sealed_status;    // of the first sealed node
};

Result<Census> TakeCensus(vault::Client& client,
                          const std::vector<std::string>& nodes) {
  Census c;
  std::vector<std::string> silent;
  for (const std::string& n : nodes) {
    Result<vault::SealStatus> st = client.GetSealStatus(n);
    if (!st.ok()) {
      if (st.status().code() != StatusCode::kUnavailable) return st.status();
      silent.push_back(n + " (" + st.status().message() + ")");
      continue;
    }
    if (!st->initialized) {
      return FailedPrecondition(n +
                                " is not initialized: a restore goes into an "
                                "initialized cluster (vault operator init)");
    }
    if (st->sealed) {
      if (c.sealed.empty()) c.sealed_status = *st;
      c.sealed.push_back(n);
    } else {
      c.unsealed.push_back(n);
    }
  }
  if (!silent.empty()) {
    return Unavailable(
        "not every given address answers: " + Join(silent, "; ") +
        "; a restore unseals and checks every address it is given: give "
        "only the nodes that run, or wait for them");
  }
  return c;
}

std::string SealText(const std::string& type, int t, int n) {
  return (type.empty() ? std::string("shamir") : type) + " " +
         std::to_string(t) + " of " + std::to_string(n);
}

// The keys must unseal the restored data when vaultkeep is to unseal it.
Status RequireUsableKeys(const RestorePlan& p) {
  if (p.keys.unseal_keys.empty() || p.key_check.usable()) return Status::Ok();
  return Corruption(
      "the backup's escrowed unseal keys cannot unseal it (" +
      p.key_check.Summary() +
      "): restore with --no-unseal only if you hold the source cluster's "
      "keys yourself");
}

void PlanMigration(const RestoreOptions& o, RestorePlan* p) {
  if (o.target_keys == nullptr) return;
  p->key_store = o.target_keys->Describe();
  if (!o.force) {
    p->warnings.push_back(
        "no --force: the target keeps its own keys, nothing is migrated "
        "into " +
        p->key_store);
    return;
  }
  if (p->keys.root_token)
    p->migrate_names.push_back(keystore::RootTokenName(o.target_prefix));
  for (size_t i = 0; i < p->keys.unseal_keys.size(); ++i) {
    p->migrate_names.push_back(
        keystore::UnsealKeyName(o.target_prefix, static_cast<int>(i)));
  }
}

// No node is active and some are sealed: an interrupted restore of this
// backup, if the seal is the backup's.
Status PlanResume(const RestoreOptions& o, const Census& c, RestorePlan* p) {
  const backup::ClusterFacts& src = p->backup.manifest.cluster;
  const vault::SealStatus& s = c.sealed_status;
  if (p->keys.unseal_keys.empty()) {
    return FailedPrecondition(
        "no node is active and " + Join(c.sealed, ", ") +
        " are sealed, and the backup holds no unseal keys: unseal the "
        "cluster first, then restore");
  }
  if (src.captured && (s.threshold != src.threshold || s.shares != src.shares ||
                       (!src.seal_type.empty() && s.type != src.seal_type))) {
    return FailedPrecondition(
        "no node is active and " + Join(c.sealed, ", ") +
        " are sealed with a " + SealText(s.type, s.threshold, s.shares) +
        " seal, but the backup's cluster had " +
        SealText(src.seal_type, src.threshold, src.shares) +
        ": this is no interrupted restore of this backup; unseal the "
        "cluster with its own keys, then restore");
  }
  if (o.unseal) VK_RETURN_IF_ERROR(RequireUsableKeys(*p));
  p->resume = true;
  p->seal = s;
  p->resume_reason =
      "no node is active and " + std::to_string(c.sealed.size()) + " of " +
      std::to_string(p->nodes.size()) + " are sealed with a " +
      SealText(s.type, s.threshold, s.shares) +
      " seal like the backup's: the restored data waits for the backup's "
      "keys; finishing the restore (no upload)";
  if (!src.captured) {
    p->warnings.push_back(
        "the backup records no seal configuration to compare with: the "
        "unseal step tells whether its keys open the cluster");
  }
  PlanMigration(o, p);
  return Status::Ok();
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
  p.threshold = src.threshold;
  if (!p.keys.unseal_keys.empty()) {
    VK_ASSIGN_OR_RETURN(p.key_check, CheckBackupKeys(repo, p.backup, p.keys));
    for (const std::string& problem : p.key_check.problems)
      p.warnings.push_back("escrowed " + problem + "; it is not submitted");
  }
  VK_RETURN_IF_ERROR(keystore::ValidatePrefix(o.target_prefix));
  for (const std::string& a : o.addrs) AddNode(&p.nodes, a);
  VK_ASSIGN_OR_RETURN(Census census, TakeCensus(client, p.nodes));
  p.endpoint =
      o.force ? "sys/storage/raft/snapshot-force" : "sys/storage/raft/snapshot";

  bool active_seen = false;
  for (const std::string& n : census.unsealed) {
    Result<vault::Health> h = client.GetHealth(n);
    active_seen |= h.ok() && !h->standby && !h->sealed;
  }
  if (!active_seen && !census.sealed.empty()) {
    VK_RETURN_IF_ERROR(PlanResume(o, census, &p));
    spdlog::info("restore plan: resume: {}", p.resume_reason);
    return p;
  }

  VK_ASSIGN_OR_RETURN(p.active, vault::FindActive(client, p.nodes, o.find));
  AddNode(&p.nodes, p.active.addr);
  vault::TokenVerdict verdict;
  Status may = vault::RequireCapability(client, p.active.addr, p.endpoint,
                                        "update", &verdict);
  // Only a forced restore whose token Vault no longer knows, on a cluster
  // that already reports the backup's cluster id: never to lift a valid
  // token's missing grant.
  if (verdict == vault::TokenVerdict::kRefused && o.force &&
      p.keys.root_token && src.captured &&
      p.active.health.cluster_id == src.cluster_id) {
    // A restore interrupted after its unseal: the cluster runs on the
    // backup's data, where the target's old token no longer exists. The
    // backup's own root token carries the restore through (uploading
    // again, which a forced restore of the same data allows).
    client.set_token(*p.keys.root_token);
    Status again =
        vault::RequireCapability(client, p.active.addr, p.endpoint, "update");
    if (again.ok()) {
      p.warnings.push_back(
          "the given token is refused but the backup's root token is valid: "
          "the cluster already runs on this backup's data (an earlier "
          "restore got that far); restoring again with the backup's root "
          "token");
      may = again;
    }
  }
  VK_RETURN_IF_ERROR(may);
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

  if (!src.seal_type.empty() && !p.seal.type.empty() &&
      src.seal_type != p.seal.type) {
    return FailedPrecondition("the backup comes from a " + src.seal_type +
                              " seal and the target uses " + p.seal.type +
                              ": Vault cannot open the restored data");
  }
  if (!o.force && src.captured && !src.cluster_id.empty() &&
      src.cluster_id != p.active.health.cluster_id) {
    p.warnings.push_back("the backup comes from cluster " + src.cluster_id +
                         " and the target is " + p.active.health.cluster_id +
                         ": unless both share unseal keys Vault refuses the "
                         "restore without --force");
  }
  if (o.force && o.unseal) {
    if (p.keys.unseal_keys.empty()) {
      return FailedPrecondition(
          "the backup holds no unseal keys: after a forced restore the "
          "cluster is sealed with the source cluster's keys; restore with "
          "--no-unseal if you hold those keys yourself");
    }
    VK_RETURN_IF_ERROR(RequireUsableKeys(p));
  }
  PlanMigration(o, &p);
  if (p.peers_known && p.nodes.size() < p.peers.size()) {
    p.warnings.push_back(
        std::to_string(p.peers.size()) + " raft peers but " +
        std::to_string(p.nodes.size()) +
        " known API addresses: vaultkeep unseals those; the others must be "
        "unsealed by their own unsealer (give every node with --vault-addr)");
  }
  return p;
}

}  // namespace vk::ops
