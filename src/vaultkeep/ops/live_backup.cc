#include "vaultkeep/ops/live_backup.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/ops/escrowed_keys.h"
#include "vaultkeep/ops/stream_thread.h"
#include "vaultkeep/storage/failure_tag.h"
#include "vaultkeep/vault/capabilities.h"

namespace vk::ops {
namespace {

constexpr char kSnapshotPath[] = "sys/storage/raft/snapshot";

// Lines the caller shows anyway (the CLI prints them): debug in the log,
// so that -v does not show them twice.
void Event(const LiveBackupOptions& o, const std::string& line) {
  spdlog::debug("{}", line);
  if (o.on_event) o.on_event(line);
}

// What one snapshot attempt learned about the cluster before streaming.
struct Target {
  vault::ActiveNode active;
  vault::SealStatus seal;
  std::vector<std::string> peers;
};

Result<Target> Prepare(vault::Client& client, const LiveBackupOptions& o,
                       bool first) {
  Target t;
  VK_ASSIGN_OR_RETURN(t.active, vault::FindActive(client, o.addrs, o.find));
  if (first) {
    VK_RETURN_IF_ERROR(
        vault::RequireCapability(client, t.active.addr, kSnapshotPath, "read"));
    for (const std::string& a : o.addrs) {
      Result<std::string> n = vault::NormalizeAddr(a);
      if (!n.ok() || *n == t.active.addr) continue;
      Result<vault::Health> h = client.GetHealth(*n);
      if (!h.ok()) {
        Event(o, "note: " + *n + " does not answer (" + h.status().message() +
                     "); the backup continues from the active node");
      }
    }
  }
  VK_ASSIGN_OR_RETURN(t.seal, client.GetSealStatus(t.active.addr));
  Result<std::vector<vault::RaftServer>> servers =
      client.RaftConfiguration(t.active.addr);
  if (servers.ok()) {
    for (const vault::RaftServer& s : *servers) t.peers.push_back(s.node_id);
  } else if (servers.status().code() != StatusCode::kPermissionDenied) {
    return servers.status();
  }  // a backup-only token may not read the configuration: peers unknown
  return t;
}

// The checks of step 5 (live_backup.h), run once the archive verified.
Status ConfirmLeader(vault::Client& client, const Target& t,
                     const snapshot::ArchiveInfo& info) {
  Result<vault::LeaderInfo> now = client.GetLeader(t.active.addr);
  if (!now.ok()) {
    return Aborted("could not confirm the leader after the transfer: " +
                   now.status().message());
  }
  if (!now->is_self ||
      (!t.active.leader.leader_address.empty() &&
       now->leader_address != t.active.leader.leader_address)) {
    return Aborted("leadership moved during the transfer: " + t.active.addr +
                   " is no longer the active node (leader now " +
                   (now->leader_address.empty() ? std::string("unknown")
                                                : now->leader_address) +
                   ")");
  }
  if (info.meta.index < t.active.leader.raft_committed_index) {
    return Aborted("the snapshot's raft index " +
                   std::to_string(info.meta.index) +
                   " is older than the leader's committed index " +
                   std::to_string(t.active.leader.raft_committed_index) +
                   " recorded before the transfer");
  }
  return Status::Ok();
}

// Worth another attempt: a transient failure, a lost race, or a node that
// turned standby under us (the next attempt looks for the leader again).
// Not a failure of the repository's storage (its driver has retried
// already; another transfer from Vault would not help), nor a stop asked
// for by the caller.
bool Retryable(const Status& st, const LiveBackupOptions& o) {
  if (st.detail<storage::Failure>() != nullptr) return false;
  if (o.cancelled && o.cancelled()) return false;
  return st.code() == StatusCode::kUnavailable ||
         st.code() == StatusCode::kAborted ||
         st.detail<vault::StandbyRedirect>() != nullptr;
}

// The escrowed unseal keys (not the root token) as shares to check.
std::vector<NamedShare> UnsealShares(
    const std::vector<keystore::KeyEntry>& keys) {
  std::vector<NamedShare> out;
  for (const keystore::KeyEntry& k : keys) {
    std::string prefix;
    int index = -1;
    bool is_root = false;
    if (ParseKeyName(k.name, &prefix, &index, &is_root) && !is_root)
      out.push_back({k.name, k.value});
  }
  return out;
}

// Passes the snapshot on until the caller asks to stop.
class CancellableSink : public ByteSink {
 public:
  CancellableSink(ByteSink* inner, const std::function<bool()>& cancelled)
      : inner_(inner), cancelled_(cancelled) {}
  Status Write(ByteSpan data) override {
    if (cancelled_ && cancelled_()) {
      return Aborted("backup stopped while the snapshot streamed");
    }
    return inner_->Write(data);
  }
  Status Close() override { return inner_->Close(); }

 private:
  ByteSink* inner_;
  const std::function<bool()>& cancelled_;
};

// Logs the transfer's progress every 10 s, besides the caller's callback.
vault::ProgressFn WithProgressLog(const vault::ProgressFn& inner,
                                  Clock& clock) {
  auto last = std::make_shared<Clock::TimePoint>(clock.Now());
  auto start = clock.Now();
  return [inner, last, start, &clock](uint64_t bytes) {
    if (inner) inner(bytes);
    if (clock.Now() - *last < std::chrono::seconds(10)) return;
    *last = clock.Now();
    double secs = std::chrono::duration<double>(*last - start).count();
    spdlog::info("transfer: {} bytes so far ({:.1f} MB/s)", bytes,
                 secs > 0 ? static_cast<double>(bytes) / secs / 1e6 : 0.0);
  };
}

}  // namespace

backup::KeyCheckRecord RecordOf(const KeyCheck& k) {
  backup::KeyCheckRecord r;
  r.checked = true;
  r.verdict = !k.usable()                    ? "unusable"
              : k.degraded()                 ? "degraded"
              : k.proof == KeyProof::kOpened ? "proven"
                                             : "unverified";
  r.threshold = k.threshold;
  r.distinct = k.distinct;
  r.usable = k.good;
  r.problems = k.problems;
  r.summary = k.Summary();
  return r;
}

Result<LiveBackupResult> LiveBackup(vault::Client& client,
                                    repo::Repository& repo,
                                    const LiveBackupOptions& o) {
  if (o.addrs.empty()) return InvalidArgument("no Vault address given");
  if (o.attempts < 1) return InvalidArgument("attempts must be >= 1");
  Clock& clock = client.clock();
  auto start = clock.Now();
  backup::Timings timings;
  timings.started = FormatRfc3339(clock.WallNow());

  Status last;
  std::vector<keystore::KeyEntry> keys;
  bool keys_read = false;
  std::optional<KeyCheck> key_check;
  for (int attempt = 1; attempt <= o.attempts; ++attempt) {
    if (attempt > 1) {
      spdlog::warn("snapshot attempt {} of {} after: {}", attempt, o.attempts,
                   last.message());
      if (o.on_event) {
        o.on_event("attempt " + std::to_string(attempt) + " of " +
                   std::to_string(o.attempts) + " after: " + last.message());
      }
    }
    if (o.cancelled && o.cancelled()) {
      last = Aborted("stopped before attempt " + std::to_string(attempt));
      break;
    }
    auto t0 = clock.Now();
    Result<Target> target = Prepare(client, o, attempt == 1);
    if (!target.ok()) {
      std::string after =
          attempt > 1 ? " after the attempt that failed with: " + last.message()
                      : "";
      return target.status().WithContext("backup (nothing was recorded" +
                                         after + ")");
    }
    timings.find_leader += SecondsSince(clock, t0);
    const Target& t = *target;
    Event(o, "active node " + t.active.addr + " (cluster " +
                 t.active.health.cluster_id + ", Vault " +
                 t.active.health.version + ", raft index " +
                 std::to_string(t.active.leader.raft_committed_index) + ", " +
                 t.seal.type + " seal " + std::to_string(t.seal.threshold) +
                 " of " + std::to_string(t.seal.shares) + ")");

    if (o.keys != nullptr && !keys_read) {
      auto k0 = clock.Now();
      keystore::CollectOptions co;
      co.prefix = o.key_prefix;
      co.shares = o.shares > 0 ? o.shares : t.seal.shares;
      co.allow_missing_root_token = o.allow_missing_root_token;
      Result<std::vector<keystore::KeyEntry>> got =
          keystore::CollectKeys(*o.keys, co);
      if (!got.ok()) {
        return got.status()
            .WithContext("key escrow (nothing was recorded)")
            .WithDetail(std::make_shared<KeyEscrowFailure>());
      }
      keys = std::move(*got);
      keys_read = true;
      timings.keys = SecondsSince(clock, k0);
      Event(o, "read " + std::to_string(keys.size()) + " keys from " +
                   o.keys->Describe());
    }

    backup::ImportOptions io = o.import;
    io.keys.clear();
    for (const keystore::KeyEntry& k : keys)
      io.keys.push_back({k.name, k.value});
    backup::ClusterFacts& c = io.cluster;
    c.captured = true;
    c.cluster_id = t.active.health.cluster_id;
    c.cluster_name = t.active.health.cluster_name;
    c.vault_version = t.active.health.version;
    c.leader_addr = t.active.addr;
    c.leader_index = t.active.leader.raft_committed_index;
    c.seal_type = t.seal.type;
    c.shares = t.seal.shares;
    c.threshold = t.seal.threshold;
    c.key_prefix = o.keys != nullptr ? o.key_prefix : "";
    c.key_store = o.keys != nullptr ? o.keys->Describe() : "";
    c.peers = t.peers;
    if (io.source.empty()) io.source = t.active.addr;

    auto s0 = clock.Now();
    vault::ProgressFn progress = WithProgressLog(o.progress, clock);
    Event(o,
          "streaming " + std::string(kSnapshotPath) + " from " + t.active.addr);
    StreamThread stream([&](ByteSink* out) {
      CancellableSink sink(out, o.cancelled);
      return client.Snapshot(t.active.addr, &sink, progress);
    });
    io.before_commit = [&](const snapshot::ArchiveInfo& info,
                           backup::Manifest* m,
                           std::vector<std::string>* tags) -> Status {
      VK_RETURN_IF_ERROR(stream.Join());
      spdlog::info("archive verified: raft index {}, term {}, {} records",
                   info.meta.index, info.meta.term, info.records);
      VK_RETURN_IF_ERROR(ConfirmLeader(client, t, info));
      spdlog::info("leader confirmed: {} is still active", t.active.addr);
      if (o.keys != nullptr) {
        KeyCheck k = CheckUnsealKeys({.shares = UnsealShares(keys),
                                      .threshold = t.seal.threshold,
                                      .seal_type = t.seal.type,
                                      .sealed = info.sealed});
        m->key_check = RecordOf(k);
        for (const std::string& p : k.problems) Event(o, "key check: " + p);
        Event(o, "key check: " + k.Summary());
        if (!k.usable()) {
          tags->push_back(backup::kKeysUnusableTag);
        } else if (k.degraded()) {
          tags->push_back(backup::kKeysDegradedTag);
        }
        key_check = std::move(k);
      }
      m->timings = timings;
      m->timings.snapshot = SecondsSince(clock, s0);
      m->timings.total = SecondsSince(clock, start);
      m->timings.attempts = attempt;
      return Status::Ok();
    };
    Result<backup::ImportResult> r = backup::ImportArchive(repo, stream, io);
    Status producer = stream.Join();
    for (backup::EscrowFile& k : io.keys) Wipe(k.data);
    if (r.ok()) {
      spdlog::info("committed snapshot {}", r->snapshot_id);
      LiveBackupResult out;
      out.import = std::move(*r);
      out.leader = t.active.addr;
      out.attempts = attempt;
      out.key_check = std::move(key_check);
      for (keystore::KeyEntry& k : keys) Wipe(k.value);
      return out;
    }
    // The transfer's own failure explains a broken stream better than the
    // reader's view of it; our closing of the pipe (kAborted) does not.
    last = !producer.ok() && producer.code() != StatusCode::kAborted
               ? producer
               : r.status();
    if (o.cancelled && o.cancelled()) {
      last = Aborted("stopped while the snapshot streamed");
    }
    if (!Retryable(last, o)) break;
  }
  for (keystore::KeyEntry& k : keys) Wipe(k.value);
  return last.WithContext("backup from Vault (nothing was recorded)");
}

}  // namespace vk::ops
