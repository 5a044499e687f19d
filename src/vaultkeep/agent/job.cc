#include "vaultkeep/agent/job.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <utility>

#include "kit/base/poll.h"
#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "vaultkeep/access/repo_access.h"
#include "vaultkeep/access/vault_access.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/backup/forget.h"
#include "vaultkeep/backup/prune.h"
#include "vaultkeep/ops/live_backup.h"
#include "vaultkeep/repo/lock.h"

namespace vk::agent {
namespace {

BackupReport Failed(Status st, Stage stage) {
  BackupReport out;
  out.reason = Classify(st, stage);
  out.status = std::move(st);
  return out;
}

Result<std::unique_ptr<repo::Repository>> OpenRepo(const RepoConfig& r) {
  VK_ASSIGN_OR_RETURN(std::optional<std::string> pw,
                      access::PasswordFromFileOrEnv(r.password_file));
  if (!pw) return InvalidArgument("no repository password");
  Result<std::unique_ptr<storage::Storage>> storage =
      access::OpenStorage(r.location, false);
  if (!storage.ok()) {
    Wipe(*pw);
    return storage.status();
  }
  Result<std::unique_ptr<repo::Repository>> repo =
      repo::Repository::Open(std::move(*storage), *pw);
  Wipe(*pw);
  return repo;
}

// Opens `r` and takes its lock, waiting up to env.lock_wait while another
// live lock is in the way (another agent's prune, say).
Result<access::OpenRepo> OpenLocked(const RepoConfig& r, access::LockMode mode,
                                    const JobEnv& env) {
  access::OpenRepo out;
  VK_ASSIGN_OR_RETURN(out.repo, OpenRepo(r));
  Status last;
  Status st = PollUntil(
      {.timeout = env.lock_wait, .interval = env.lock_poll, .clock = env.clock},
      [&]() -> std::optional<Status> {
        if (env.cancelled && env.cancelled())
          return Aborted("stopped while waiting for the repository lock");
        Result<std::unique_ptr<repo::RepoLock>> l =
            access::Lock(*out.repo, mode);
        if (l.ok()) {
          out.lock = std::move(*l);
          return Status::Ok();
        }
        if (l.status().detail<repo::LockConflict>() == nullptr)
          return l.status();
        last = l.status();
        spdlog::info("{}: waiting for the lock: {}", r.name, last.message());
        return std::nullopt;
      },
      [&] {
        return last.WithContext("still locked after " +
                                std::to_string(env.lock_wait.count()) + " s");
      });
  VK_RETURN_IF_ERROR(st);
  return out;
}

Status Close(access::OpenRepo& opened) {
  Status refresh = opened.lock ? opened.lock->refresh_status() : Status::Ok();
  Status released = opened.Release();
  return refresh.ok() ? released : refresh;
}

// Forgets what `r`'s policy does not keep among the target's snapshots
// (restic's grouping by host and paths; only the groups of the target's
// host name are touched). The newest snapshot of each group stays.
RetentionReport ApplyRetention(const std::string& target, const RepoConfig& r,
                               const JobEnv& env) {
  RetentionReport out;
  out.ran = true;
  Result<access::OpenRepo> opened =
      OpenLocked(r, access::LockMode::kExclusive, env);
  if (!opened.ok()) {
    out.status = opened.status();
    return out;
  }
  std::vector<backup::UnreadableSnapshot> unreadable;
  Result<std::vector<repo::GroupDecision>> plan = backup::PlanForget(
      *opened->repo, r.retention, repo::GroupBy{}, &unreadable);
  for (const auto& u : unreadable) spdlog::warn("{}: {}", r.name, u.Note());
  std::vector<std::string> remove;
  if (plan.ok()) {
    for (const repo::GroupDecision& g : *plan) {
      if (g.key.hostname != target) continue;
      for (const repo::ForgetSnapshot& s : g.decision.remove)
        remove.push_back(s.id);
    }
    out.status = backup::RemoveSnapshots(*opened->repo, remove);
    if (out.status.ok()) out.removed = static_cast<int>(remove.size());
  } else {
    out.status = plan.status();
  }
  Status closed = Close(*opened);
  if (out.status.ok()) out.status = closed;
  return out;
}

uint64_t StoredBytes(storage::Storage& s) {
  uint64_t total = 0;
  Status st = s.List("", [&](const storage::ObjectInfo& o) {
    total += o.size;
    return Status::Ok();
  });
  if (!st.ok()) spdlog::warn("listing the repository: {}", st.message());
  return total;
}

Result<RepoFacts> FactsOf(repo::Repository& repo, const std::string& target) {
  std::vector<backup::UnreadableSnapshot> unreadable;
  VK_ASSIGN_OR_RETURN(std::vector<backup::SnapshotEntry> all,
                      backup::ListSnapshots(repo, &unreadable));
  RepoFacts f;
  for (const backup::SnapshotEntry& e : all) {  // oldest first
    if (e.file.hostname != target) continue;
    ++f.snapshots;
    const auto& tags = e.file.tags;
    if (std::find(tags.begin(), tags.end(), backup::kKeysUnusableTag) !=
        tags.end()) {
      continue;
    }
    f.last_success = e.time;
    f.last_snapshot = e.id;
  }
  f.stored_bytes = StoredBytes(repo.storage());
  return f;
}

ops::LiveBackupOptions BackupOptionsOf(const TargetConfig& t,
                                       const access::VaultSetup& v,
                                       const JobEnv& env) {
  ops::LiveBackupOptions lo;
  lo.addrs = v.addrs;
  lo.find = v.find;
  lo.attempts = t.attempts;
  lo.cancelled = env.cancelled;
  backup::ImportOptions& io = lo.import;
  io.time = FormatRfc3339(env.clock->WallNow());
  io.hostname = t.name;
  io.tags = t.tags;
  const char* user = std::getenv("USER");
  io.username = user ? user : "";
  io.tool_version = env.tool_version;
  io.read.require_sealed = true;
  return lo;
}

}  // namespace

BackupReport RunBackup(const TargetConfig& t, const RepoConfig& r,
                       const JobEnv& env) {
  Result<access::VaultSetup> setup =
      access::ResolveVault(t.vault, access::Purpose::kBackup, true);
  if (!setup.ok()) return Failed(setup.status(), Stage::kVaultSetup);
  access::VaultSetup& v = *setup;
  v.client.clock = env.clock;
  ops::LiveBackupOptions lo = BackupOptionsOf(t, v, env);
  if (!t.no_keys) {
    Result<access::KeyEscrow> escrow = access::EscrowOf(v, t.shares);
    if (!escrow.ok()) return Failed(escrow.status(), Stage::kVaultSetup);
    lo.keys = escrow->keys;
    lo.key_prefix = escrow->prefix;
    lo.shares = escrow->shares;
    lo.allow_missing_root_token = t.allow_missing_root_token;
  }
  vault::Client client(v.client, v.token);
  Wipe(v.token);

  Result<access::OpenRepo> opened =
      OpenLocked(r, access::LockMode::kShared, env);
  if (!opened.ok()) return Failed(opened.status(), Stage::kRepository);
  Status loaded = opened->repo->LoadIndex();
  if (!loaded.ok()) return Failed(loaded, Stage::kRepository);
  Result<ops::LiveBackupResult> b = ops::LiveBackup(client, *opened->repo, lo);
  Status closed = Close(*opened);
  if (!b.ok()) return Failed(b.status(), Stage::kBackup);
  if (!closed.ok()) return Failed(closed, Stage::kRepository);

  BackupReport out;
  out.snapshot_id = b->import.snapshot_id;
  out.snapshot_bytes = b->import.archive.compressed_size;
  out.added_bytes = b->import.added_bytes;
  out.raft_index = b->import.manifest.index;
  out.leader = b->leader;
  if (b->key_check && !b->key_check->usable()) {
    out.reason = Reason::kKeys;
    out.status = Corruption(
        "the escrowed unseal keys cannot unseal snapshot " +
        out.snapshot_id.substr(0, 8) + " (" + b->key_check->Summary() +
        "); it was recorded with tag " + backup::kKeysUnusableTag +
        " and does not count as a backup");
  } else if (r.retention.HasRule()) {
    out.retention = ApplyRetention(t.name, r, env);
  }
  Result<RepoFacts> facts = ReadFacts(t.name, r);
  if (facts.ok()) out.facts = std::move(*facts);
  return out;
}

Status RunPrune(const RepoConfig& r, const JobEnv& env) {
  VK_ASSIGN_OR_RETURN(access::OpenRepo opened,
                      OpenLocked(r, access::LockMode::kExclusive, env));
  Status st = opened.repo->LoadIndex();
  if (st.ok()) {
    Result<backup::PruneReport> p = backup::Prune(*opened.repo, {});
    if (p.ok()) {
      spdlog::info("{}: pruned {} packs, freed {} bytes", r.name,
                   p->packs_deleted, p->bytes_freed);
    }
    st = p.status();
  }
  Status closed = Close(opened);
  return st.ok() ? closed : st;
}

Result<RepoFacts> ReadFacts(const std::string& target, const RepoConfig& r) {
  VK_ASSIGN_OR_RETURN(std::unique_ptr<repo::Repository> repo, OpenRepo(r));
  return FactsOf(*repo, target);
}

}  // namespace vk::agent
