// vaultkeep backup: a live, consistent backup of a Vault cluster with its
// keys escrowed (vaultkeep/ops/live_backup.h), or with --snapshot-file FILE|-
// the import of an existing raft snapshot (.snap). Either way the archive is
// verified as it streams and a damaged or unconfirmed one records nothing.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "kit/env/file.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/backup/import.h"
#include "vaultkeep/chunker/chunker.h"
#include "vaultkeep/cli/archive_input.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/progress.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/tabwriter.h"
#include "vaultkeep/cli/vault_options.h"
#include "vaultkeep/ops/live_backup.h"

namespace vk::cli {
namespace {

struct BackupOptions {
  RepoOptions repo;
  std::string snapshot_file;
  std::vector<std::string> tags;
  std::string host;
  std::string time;
  std::string chunk_size = "8K";
  bool no_compress = false;
  bool allow_unsealed = false;
  bool json = false;
  // Live backups.
  VaultFlags vault;
  bool no_keys = false;
  bool allow_missing_root_token = false;
  int shares = 0;
  int attempts = 3;
};

// "8K", "16KiB", "65536".
Result<size_t> ParseChunkSize(std::string_view s) {
  size_t mult = 1;
  std::string digits(s);
  for (const char* suffix : {"KiB", "K", "k"}) {
    if (digits.ends_with(suffix)) {
      digits.resize(digits.size() - std::strlen(suffix));
      mult = 1024;
      break;
    }
  }
  if (digits.empty() ||
      digits.find_first_not_of("0123456789") != std::string::npos ||
      digits.size() > 9) {
    return InvalidArgument("--chunk-size \"" + std::string(s) +
                           "\": expected a size such as 8K or 16K");
  }
  return std::stoul(digits) * mult;
}

// RFC 3339, or restic's "2006-01-02 15:04:05" in local time; strictly (no
// field out of range, nothing normalized) and inside the years a snapshot
// time can hold.
Result<std::string> ParseSnapshotTime(const std::string& s) {
  if (s.empty()) return FormatRfc3339(std::chrono::system_clock::now());
  const std::string expected =
      ": expected RFC 3339 (2024-05-01T02:00:00Z) or \"2024-05-01 02:00:00\" "
      "(local time), with every field in range";
  std::chrono::system_clock::time_point t;
  if (s.find('T') != std::string::npos || s.find('t') != std::string::npos) {
    Result<std::chrono::system_clock::time_point> r = ParseRfc3339(s);
    if (!r.ok()) return InvalidArgument("--time: " + r.status().message());
    t = *r;
  } else {
    std::tm tm{};
    const char* end = strptime(s.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
    if (end == nullptr || *end != '\0' || s.size() != 19)
      return InvalidArgument("--time " + Quote(s) + expected);
    std::tm given = tm;
    tm.tm_isdst = -1;
    std::time_t secs = std::mktime(&tm);
    // mktime normalizes (Feb 31 -> Mar 3): refuse what it had to change,
    // except an hour that a daylight-saving change skips.
    if (secs == -1 || tm.tm_year != given.tm_year ||
        tm.tm_mon != given.tm_mon || tm.tm_mday != given.tm_mday ||
        tm.tm_min != given.tm_min || tm.tm_sec != given.tm_sec ||
        given.tm_hour > 23) {
      return InvalidArgument("--time " + Quote(s) + expected);
    }
    t = std::chrono::system_clock::from_time_t(secs);
  }
  if (!InClockRange(t)) {
    return InvalidArgument("--time " + Quote(s) +
                           ": outside the years 1678-2261 a snapshot time "
                           "can hold");
  }
  return FormatRfc3339(t);
}

uint64_t FileSizeOrZero(const std::string& path) {
  struct stat st;
  if (path == "-" || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    return 0;
  }
  return static_cast<uint64_t>(st.st_size);
}

// The import options both modes share.
Result<backup::ImportOptions> CommonImportOptions(const BackupOptions& o) {
  backup::ImportOptions io;
  VK_ASSIGN_OR_RETURN(io.chunk_average, ParseChunkSize(o.chunk_size));
  VK_RETURN_IF_ERROR(chunker::ParamsForAverage(io.chunk_average).status());
  VK_ASSIGN_OR_RETURN(io.time, ParseSnapshotTime(o.time));
  for (const std::string& t : o.tags) {
    if (t.empty() || t.find(',') != std::string::npos) {
      return InvalidArgument("--tag \"" + t +
                             "\": tags are non-empty and have no comma");
    }
  }
  io.tags = o.tags;
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  io.hostname = o.host.empty() ? host : o.host;
  const char* user = std::getenv("USER");
  io.username = user ? user : "";
  io.tool_version = VAULTKEEP_VERSION;
  io.compress = !o.no_compress;
  io.read.require_sealed = !o.allow_unsealed;
  return io;
}

void PrintResult(const BackupOptions& o, const backup::ImportResult& r,
                 const backup::ImportOptions& io, double secs,
                 const std::string& leader) {
  const backup::KeyCheckRecord& kc = r.manifest.key_check;
  const backup::Manifest& m = r.manifest;
  if (o.json) {
    nlohmann::ordered_json j;
    j["snapshot_id"] = r.snapshot_id;
    j["time"] = io.time;
    j["vault"] = {{"index", m.index}, {"term", m.term}, {"records", m.records}};
    if (m.cluster.captured) {
      j["cluster"] = {{"cluster_id", m.cluster.cluster_id},
                      {"leader", leader},
                      {"version", m.cluster.vault_version},
                      {"seal_type", m.cluster.seal_type},
                      {"shares", m.cluster.shares},
                      {"threshold", m.cluster.threshold},
                      {"attempts", m.timings.attempts}};
    }
    j["keys"] = m.keys;
    j["tags"] = r.tags;
    if (kc.checked) {
      j["key_check"] = {{"verdict", kc.verdict},
                        {"summary", kc.summary},
                        {"problems", kc.problems}};
    }
    j["archive_bytes"] = r.archive.compressed_size;
    j["state_bytes"] = r.archive.state_size;
    j["chunks"] = r.state.chunks;
    j["new_chunks"] = r.state.new_chunks;
    j["new_bytes"] = r.state.new_bytes;
    j["compressed_chunks"] = r.state.compressed_chunks;
    j["added_bytes"] = r.added_bytes;
    j["seconds"] = secs;
    PrintOut(j.dump(2) + "\n");
    return;
  }
  char secs_text[32];
  std::snprintf(secs_text, sizeof secs_text, "%.1f", secs);
  std::string from = leader.empty() ? "" : " from " + leader;
  std::string keys = m.keys.empty()
                         ? ""
                         : "  escrowed " + std::to_string(m.keys.size()) +
                               " keys (" + m.cluster.key_store + ")\n";
  if (kc.checked) {
    keys += "  unseal keys: " + kc.summary + "\n";
    for (const std::string& p : kc.problems) keys += "    " + p + "\n";
  }
  PrintOut("snapshot " + r.snapshot_id.substr(0, 8) + " saved" + from +
           ": Vault index " + std::to_string(m.index) + ", term " +
           std::to_string(m.term) + ", " + std::to_string(m.records) +
           " records\n" + "  state.bin " + HumanBytes(r.archive.state_size) +
           " in " + std::to_string(r.state.chunks) + " chunks, " +
           std::to_string(r.state.new_chunks) + " new (" +
           HumanBytes(r.state.new_bytes) + ")\n" + keys + "  added " +
           HumanBytes(r.added_bytes) + " to the repository in " + secs_text +
           " s\n");
}

Status RunLiveBackup(const BackupOptions& o) {
  VK_ASSIGN_OR_RETURN(backup::ImportOptions io, CommonImportOptions(o));
  Result<VaultSetup> resolved = ResolveVault(o.vault, Purpose::kBackup, true);
  if (!resolved.ok()) {
    // Without any Vault to talk to, the user may have meant a file backup.
    return resolved.status().code() == StatusCode::kInvalidArgument
               ? resolved.status().WithContext(
                     "live backup (to store an existing .snap instead, use "
                     "--snapshot-file)")
               : resolved.status();
  }
  VaultSetup& v = *resolved;
  ops::LiveBackupOptions lo;
  lo.addrs = v.addrs;
  lo.find = v.find;
  lo.find.on_wait = [](const std::string& why) {
    std::fprintf(stderr, "waiting: %s\n", why.c_str());
  };
  lo.attempts = o.attempts;
  if (!o.no_keys) {
    VK_ASSIGN_OR_RETURN(access::KeyEscrow escrow,
                        access::EscrowOf(v, o.shares));
    lo.keys = escrow.keys;
    lo.key_prefix = escrow.prefix;
    lo.shares = escrow.shares;
    lo.allow_missing_root_token = o.allow_missing_root_token;
  }
  lo.on_event = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  vault::Client client(v.client, v.token);

  VK_ASSIGN_OR_RETURN(access::OpenRepo opened,
                      OpenRepository(o.repo, access::LockMode::kShared));
  repo::Repository* repo = opened.repo.get();
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  auto start = std::chrono::steady_clock::now();
  Result<ops::LiveBackupResult> r = [&] {
    Progress progress("snapshot", 0);
    lo.progress = progress.Counter();
    lo.import = io;
    return ops::LiveBackup(client, *repo, lo);
  }();
  VK_RETURN_IF_ERROR(opened.lock->refresh_status());
  VK_RETURN_IF_ERROR(opened.Release());
  VK_RETURN_IF_ERROR(r.status());
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  PrintResult(o, r->import, io, secs, r->leader);
  const std::string id = r->import.snapshot_id.substr(0, 8);
  if (r->key_check && !r->key_check->usable()) {
    // The verified data is kept (tagged); the keys are the damage.
    return Corruption("the escrowed unseal keys cannot unseal this backup: " +
                      r->key_check->Summary() + "; snapshot " + id +
                      " was recorded with tag " + backup::kKeysUnusableTag +
                      " (\"latest\" and restore pass over it); fix the key "
                      "store and back up again");
  }
  if (r->key_check && r->key_check->degraded()) {
    return Corruption(
        "the key store holds unseal keys that are malformed, "
        "duplicated or of another cluster (" +
        Join(r->key_check->problems, "; ") + "); snapshot " + id +
        " restores with the others (" + r->key_check->Summary() +
        ") and was recorded with tag " + backup::kKeysDegradedTag +
        "; fix the key store");
  }
  return Status::Ok();
}

Status RunBackup(const BackupOptions& o) {
  if (o.snapshot_file.empty()) return RunLiveBackup(o);
  VK_ASSIGN_OR_RETURN(backup::ImportOptions io, CommonImportOptions(o));
  io.source = DisplayName(o.snapshot_file);

  VK_ASSIGN_OR_RETURN(auto file, FileSource::Open(o.snapshot_file));
  VK_ASSIGN_OR_RETURN(access::OpenRepo opened,
                      OpenRepository(o.repo, access::LockMode::kShared));
  repo::Repository* repo = opened.repo.get();
  VK_RETURN_IF_ERROR(repo->LoadIndex());

  auto start = std::chrono::steady_clock::now();
  Result<backup::ImportResult> r = [&] {
    Progress progress("importing", FileSizeOrZero(o.snapshot_file));
    CountingSource in(file.get(), progress.Counter());
    return backup::ImportArchive(*repo, in, io);
  }();
  VK_RETURN_IF_ERROR(opened.lock->refresh_status());
  VK_RETURN_IF_ERROR(opened.Release());
  if (!r.ok()) {
    return r.status().WithContext(DisplayName(o.snapshot_file) +
                                  " (nothing was recorded)");
  }
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  PrintResult(o, *r, io, secs, "");
  return Status::Ok();
}

}  // namespace

void RegisterBackup(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<BackupOptions>();
  CLI::App* cmd = app.add_subcommand(
      "backup",
      "Back up a live Vault cluster (snapshot from the active node, keys "
      "escrowed), or store an existing .snap with --snapshot-file; verified "
      "while it streams, a bad or unconfirmed archive records nothing.");
  cmd->add_option("--snapshot-file", o->snapshot_file,
                  "Import an existing .snap file (- for stdin) instead of "
                  "taking a snapshot");
  AddVaultFlags(cmd, &o->vault);
  cmd->add_flag("--no-keys", o->no_keys,
                "Do not escrow the unseal keys and root token");
  cmd->add_flag("--allow-missing-root-token", o->allow_missing_root_token,
                "Back up the unseal keys even if the store has no root token");
  cmd->add_option("--shares", o->shares,
                  "Number of unseal keys to escrow (default: the unsealer's "
                  "secretShares, else the cluster's)");
  cmd->add_option("--attempts", o->attempts,
                  "Snapshot attempts when the leader changes or the "
                  "transfer breaks off")
      ->capture_default_str();
  cmd->add_option("--tag", o->tags, "Tag the snapshot (repeatable)");
  cmd->add_option("--host", o->host,
                  "Host name to record (default: this host)");
  cmd->add_option("--time", o->time,
                  "The snapshot's original time (RFC 3339 or "
                  "\"YYYY-MM-DD HH:MM:SS\" local)");
  cmd->add_option("--chunk-size", o->chunk_size,
                  "Average chunk size of state.bin, a power of two from 4K "
                  "to 64K")
      ->capture_default_str();
  cmd->add_flag("--no-compress", o->no_compress,
                "Never try zstd (Vault values are ciphertext)");
  cmd->add_flag("--allow-unsealed", o->allow_unsealed,
                "Accept an archive without SHA256SUMS.sealed");
  cmd->add_flag("--json", o->json, "Print the result as JSON");
  AddRepoOptions(cmd, &o->repo);
  cmd->callback([o, ctx] { ctx->action = [o] { return RunBackup(*o); }; });
}

}  // namespace vk::cli
