// vaultkeep demo: the whole product on a real minivault cluster, start to
// finish, in a temporary directory. Start a 3-node cluster (5 shares,
// threshold 3), write secrets, back up with the keys, change a few secrets
// and back up again (showing how little the second backup adds), destroy
// the cluster, start a new one with other keys, restore the latest backup
// with --force (keys migrated, every node unsealed with the escrowed keys),
// verify every secret with the restored root token, and report. Exits
// non-zero if any step fails; cleans up either way (unless --keep).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "kit/base/strings.h"
#include "kit/base/time.h"
#include "kit/crypto/aead.h"
#include "kit/crypto/sha256.h"
#include "kit/env/file.h"
#include "vaultkeep/backup/catalog.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/demo_cluster.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/repo_options.h"
#include "vaultkeep/cli/tabwriter.h"
#include "vaultkeep/keystore/key_store.h"
#include "vaultkeep/ops/live_backup.h"
#include "vaultkeep/ops/live_restore.h"

namespace vk::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct DemoFlags {
  int nodes = 3;
  size_t secrets = 5000;
  size_t changed = 50;
  int threads = 8;
  std::string minivault;  // default: beside this program
  std::string dir;        // default: a new temporary directory
  bool keep = false;
};

constexpr char kKeyPrefix[] = "k8s.vaultkeep.demo.vault";

void Say(const std::string& line) {
  PrintOut(line + "\n");
  std::fflush(stdout);
}

std::string Secs(Clock::time_point since) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s",
                std::chrono::duration<double>(Clock::now() - since).count());
  return buf;
}

Result<std::string> ProgramBeside(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return ErrnoStatus("resolve /proc/self/exe", ec.value());
  std::string path = (self.parent_path() / name).string();
  if (::access(path.c_str(), X_OK) != 0) {
    return FailedPrecondition(name + " not found beside vaultkeep (" + path +
                              "); build it or give --minivault");
  }
  return path;
}

Result<std::string> ReadToken(const std::string& file) {
  VK_ASSIGN_OR_RETURN(std::string t, ReadSmallFile(file, 4096));
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}

Result<std::unique_ptr<repo::Repository>> CreateRepo(const RepoOptions& ro) {
  VK_ASSIGN_OR_RETURN(auto storage, OpenRepoStorage(ro, true));
  VK_ASSIGN_OR_RETURN(std::string password, ReadPassword(ro, false));
  repo::InitOptions io;
  io.created = FormatRfc3339(std::chrono::system_clock::now());
  io.hostname = "vaultkeep-demo";
  VK_RETURN_IF_ERROR(
      repo::Repository::Init(std::move(storage), password, io).status());
  return OpenRepository(ro);
}

struct BackupLine {
  std::string id;
  uint64_t state = 0, added = 0, new_chunks = 0, chunks = 0;
  std::string took;
};

Result<BackupLine> DemoBackup(const RepoOptions& ro, const DemoCluster& c,
                              const std::string& token, const char* tag) {
  auto t0 = Clock::now();
  VK_ASSIGN_OR_RETURN(access::OpenRepo opened,
                      OpenRepository(ro, access::LockMode::kShared));
  repo::Repository* repo = opened.repo.get();
  VK_RETURN_IF_ERROR(repo->LoadIndex());
  auto keys = keystore::NewDirKeyStore(c.key_dir);
  ops::LiveBackupOptions o;
  o.addrs = c.addrs;
  o.keys = keys.get();
  o.key_prefix = kKeyPrefix;
  o.import.time = FormatRfc3339(std::chrono::system_clock::now());
  o.import.hostname = "vaultkeep-demo";
  o.import.tags = {tag};
  o.import.tool_version = VAULTKEEP_VERSION;
  vault::Client client({}, token);
  VK_ASSIGN_OR_RETURN(ops::LiveBackupResult r,
                      ops::LiveBackup(client, *repo, o));
  VK_RETURN_IF_ERROR(opened.Release());
  BackupLine line;
  line.id = r.import.snapshot_id.substr(0, 8);
  line.state = r.import.archive.state_size;
  line.added = r.import.added_bytes;
  line.new_chunks = r.import.state.new_chunks;
  line.chunks = r.import.state.chunks;
  line.took = Secs(t0);
  Say("    snapshot " + line.id + " from " + r.leader + ": raft index " +
      std::to_string(r.import.manifest.index) + ", state.bin " +
      HumanBytes(line.state) + ", " + std::to_string(line.new_chunks) + " of " +
      std::to_string(line.chunks) + " chunks new, added " +
      HumanBytes(line.added) + ", " +
      std::to_string(r.import.manifest.keys.size()) + " keys escrowed (" +
      line.took + ")");
  return line;
}

// A repository location in `dir` and a new random password for it.
Result<RepoOptions> DemoRepoOptions(const std::string& dir) {
  RepoOptions ro;
  ro.repo = dir + "/repo";
  ro.password_file = dir + "/repo-password";
  VK_RETURN_IF_ERROR(WriteFileAtomic(
      ro.password_file, HexEncode(AsBytes(RandomBytes(24))) + "\n", 0600));
  return ro;
}

struct Started {
  DemoCluster cluster;
  std::string token;  // its root token
  std::string took;
};

Result<Started> StartCluster(const DemoFlags& f, const std::string& minivault,
                             const std::string& dir, const std::string& log) {
  auto t = Clock::now();
  Started s;
  VK_ASSIGN_OR_RETURN(
      s.cluster, StartDevCluster(minivault, dir, f.nodes, kKeyPrefix, log));
  VK_ASSIGN_OR_RETURN(s.token, ReadToken(s.cluster.token_file));
  s.took = Secs(t);
  return s;
}

// Sets the first `count` expected values to new random ones, tagged with
// `version` and the demo's `run`.
void NewValues(Workload& w, const std::string& version, const std::string& run,
               size_t count) {
  for (size_t i = 0; i < count; ++i) {
    w.expected[i] = version + "-" + run + "-" + std::to_string(i) + "-" +
                    HexEncode(AsBytes(RandomBytes(16)));
  }
}

Status MountKv2(const vault::ClientOptions& copts, const std::string& token,
                const std::string& addr) {
  vault::Client admin(copts, token);
  return admin
      .Write(addr, "sys/mounts/secret",
             {{"type", "kv"}, {"options", {{"version", "2"}}}})
      .status()
      .WithContext("mounting KV v2 at secret/");
}

// Step 2: mounts KV v2 on A and writes f.secrets new values through a
// standby.
Result<Workload> WriteFirstValues(const DemoFlags& f,
                                  const vault::ClientOptions& copts,
                                  const Started& a, const std::string& run) {
  Workload w;
  w.expected.resize(f.secrets);
  NewValues(w, "v1", run, f.secrets);
  VK_RETURN_IF_ERROR(MountKv2(copts, a.token, a.cluster.addrs.front()));
  Say("2. Writing " + std::to_string(f.secrets) +
      " KV v2 secrets through a standby (forwarded to the leader)");
  auto t = Clock::now();
  VK_RETURN_IF_ERROR(WriteSecrets(copts, a.token, a.cluster.addrs.back(), w, 0,
                                  f.secrets, f.threads));
  Say("    done (" + Secs(t) + ")");
  return w;
}

// Restores the latest snapshot into `b` with --force, migrating the keys
// into b's key store and printing each step.
Status RestoreLatest(const RepoOptions& ro, const Started& b) {
  VK_ASSIGN_OR_RETURN(access::OpenRepo opened,
                      OpenRepository(ro, access::LockMode::kShared));
  repo::Repository* r = opened.repo.get();
  VK_RETURN_IF_ERROR(r->LoadIndex());
  VK_ASSIGN_OR_RETURN(backup::SnapshotEntry snap,
                      backup::FindSnapshot(*r, "latest"));
  auto target_keys = keystore::NewDirKeyStore(b.cluster.key_dir);
  ops::RestoreOptions o;
  o.addrs = b.cluster.addrs;
  o.force = true;
  o.target_keys = target_keys.get();
  o.target_prefix = kKeyPrefix;
  o.probe_path = "secret/data/demo/app-0";
  o.on_step = [](const ops::RestoreStep& s) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "    %-16s %6.1f s  ", s.name.c_str(),
                  s.seconds);
    Say(buf + s.detail);
  };
  vault::Client client({}, b.token);
  VK_ASSIGN_OR_RETURN(ops::RestorePlan plan,
                      ops::PlanRestore(client, *r, snap, o));
  VK_RETURN_IF_ERROR(ops::ExecuteRestore(client, *r, plan, o).status());
  return opened.Release();
}

// Every secret reads back from `b` with the root token escrowed from A,
// and b's own root token no longer works.
Status VerifyRestored(const vault::ClientOptions& copts, const Started& b,
                      const Workload& w, int threads) {
  const DemoCluster& c = b.cluster;
  VK_ASSIGN_OR_RETURN(std::string migrated_token,
                      ReadToken(c.key_dir + "/" + kKeyPrefix + "-root-token"));
  if (migrated_token == b.token) {
    return Internal("the key store of B still holds B's own root token");
  }
  VK_RETURN_IF_ERROR(
      VerifySecrets(copts, migrated_token, c.addrs.front(), w, threads));
  vault::Client old_b({}, b.token);
  Result<nlohmann::json> refused =
      old_b.Read(c.addrs.front(), "auth/token/lookup-self");
  if (refused.ok()) {
    return Internal("B's own root token still works after the restore");
  }
  return Status::Ok();
}

void PrintReport(const BackupLine& b1, const BackupLine& b2, size_t changed,
                 size_t secrets, const std::string& restore_took,
                 Clock::time_point start) {
  double ratio =
      b1.added ? static_cast<double>(b2.added) / static_cast<double>(b1.added)
               : 0;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.1f %%", ratio * 100);
  std::string table = "\tsnapshot\tstate.bin\tadded to repo\ttook\n";
  for (const auto& [name, b] :
       {std::pair{"backup 1", &b1}, {"backup 2", &b2}}) {
    table += std::string(name) + "\t" + b->id + "\t" + HumanBytes(b->state) +
             "\t" + HumanBytes(b->added) + "\t" + b->took + "\n";
  }
  Say("\nReport");
  PrintOut(Tabulate(table, {.minwidth = 4, .padding = 3}));
  Say("backup 2 stored " + std::string(pct) + " of backup 1's bytes after " +
      std::to_string(changed) + " of " + std::to_string(secrets) +
      " secrets changed (a tool that stores the gzip stream, as Stash "
      "does, stores 100 % again); restore + unseal + checks " +
      restore_took + "; whole demo " + Secs(start));
}

Status RunDemoIn(const DemoFlags& f, const std::string& minivault,
                 const std::string& dir) {
  auto start = Clock::now();
  std::string log = dir + "/demo.log";
  VK_ASSIGN_OR_RETURN(RepoOptions ro, DemoRepoOptions(dir));

  Say("1. Starting cluster A: " + std::to_string(f.nodes) +
      " minivault nodes, 5 key shares, threshold 3");
  VK_ASSIGN_OR_RETURN(Started a,
                      StartCluster(f, minivault, dir + "/cluster-a", log));
  Say("    " + Join(a.cluster.addrs, ", ") + " (" + a.took + "); keys in " +
      a.cluster.key_dir + "/" + kKeyPrefix + "-unseal-key-<i>");

  std::string run = HexEncode(AsBytes(RandomBytes(4)));
  vault::ClientOptions copts;
  VK_ASSIGN_OR_RETURN(Workload w, WriteFirstValues(f, copts, a, run));

  VK_RETURN_IF_ERROR(CreateRepo(ro).status());
  Say("3. Backup 1 into a new encrypted repository (" + ro.repo + ")");
  VK_ASSIGN_OR_RETURN(BackupLine b1,
                      DemoBackup(ro, a.cluster, a.token, "first"));

  size_t changed = std::min(f.changed, f.secrets);
  NewValues(w, "v2", run, changed);
  Say("4. Changing " + std::to_string(changed) + " secrets, then backup 2");
  VK_RETURN_IF_ERROR(WriteSecrets(copts, a.token, a.cluster.addrs.front(), w, 0,
                                  changed, f.threads));
  VK_ASSIGN_OR_RETURN(BackupLine b2,
                      DemoBackup(ro, a.cluster, a.token, "second"));

  Say("5. Destroying cluster A (every node stopped, its data deleted)");
  VK_RETURN_IF_ERROR(StopDevCluster(minivault, a.cluster.dir, log));

  Say("6. Starting cluster B with different unseal keys and root token");
  VK_ASSIGN_OR_RETURN(Started b,
                      StartCluster(f, minivault, dir + "/cluster-b", log));
  Say("    " + Join(b.cluster.addrs, ", ") + " (" + b.took + ")");

  Say("7. Restoring the latest backup into B with --force");
  auto restore_start = Clock::now();
  VK_RETURN_IF_ERROR(RestoreLatest(ro, b));
  std::string restore_took = Secs(restore_start);

  Say("8. Verifying every secret in B with A's escrowed root token");
  auto t = Clock::now();
  VK_RETURN_IF_ERROR(VerifyRestored(copts, b, w, f.threads));
  Say("    " + std::to_string(f.secrets) + " secrets match (" + Secs(t) +
      "); B's original root token is refused, as after any forced restore");
  VK_RETURN_IF_ERROR(StopDevCluster(minivault, b.cluster.dir, log));
  PrintReport(b1, b2, changed, f.secrets, restore_took, start);
  return Status::Ok();
}

Status RunDemo(const DemoFlags& f) {
  std::string minivault = f.minivault;
  if (minivault.empty()) {
    VK_ASSIGN_OR_RETURN(minivault, ProgramBeside("minivault"));
  }
  std::string dir = f.dir;
  if (dir.empty()) {
    std::string tmpl = std::filesystem::temp_directory_path().string() +
                       "/vaultkeep-demo-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr)
      return ErrnoStatus("create a temporary directory", errno);
    dir = tmpl;
  } else {
    VK_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  }
  Status st = RunDemoIn(f, minivault, dir);
  // Whatever happened: no cluster is left running.
  for (const char* c : {"/cluster-a", "/cluster-b"}) {
    if (std::filesystem::exists(dir + c + "/cluster.json"))
      (void)StopDevCluster(minivault, dir + c, dir + "/demo.log");
  }
  if (!st.ok()) {
    std::fprintf(stderr, "demo failed; logs kept in %s\n", dir.c_str());
    return st;
  }
  if (f.keep) {
    Say("kept " + dir + " (repository, password file, demo.log)");
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  Say("demo passed");
  return Status::Ok();
}

}  // namespace

void RegisterDemo(CLI::App& app, Context* ctx) {
  auto f = std::make_shared<DemoFlags>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Back up a live 3-node minivault cluster with its keys, destroy it, "
      "restore into a new cluster with other keys, and verify every secret.");
  cmd->add_option("--nodes", f->nodes, "Nodes per cluster")
      ->capture_default_str();
  cmd->add_option("--secrets", f->secrets, "Secrets to write")
      ->capture_default_str();
  cmd->add_option("--changed", f->changed,
                  "Secrets changed before the second backup")
      ->capture_default_str();
  cmd->add_option("--minivault", f->minivault,
                  "The minivault program (default: beside vaultkeep)");
  cmd->add_option("--dir", f->dir,
                  "Work directory (default: a new temporary one)");
  cmd->add_flag("--keep", f->keep, "Keep the work directory");
  cmd->callback([f, ctx] { ctx->action = [f] { return RunDemo(*f); }; });
}

}  // namespace vk::cli
