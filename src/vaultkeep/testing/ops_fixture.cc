#include "vaultkeep/testing/ops_fixture.h"

#include "kit/base/check.h"
#include "kit/testing/pseudo_random.h"
#include "kit/crypto/sha256.h"
#include "kit/snapshot/archive_reader.h"
#include "kit/snapshot/archive_writer.h"
#include "kit/snapshot/records.h"
#include "kit/snapshot/sealed.h"
#include "vaultkeep/backup/import.h"
#include "vaultkeep/storage/storage.h"

namespace vk::ops::testing {

std::string SmallArchive(uint64_t index, int records) {
  std::string state;
  for (int i = 0; i < records; ++i) {
    snapshot::AppendRecord(&state, "logical/" + std::to_string(1000 + i),
                           PseudoRandom(40 + i, index * 1000 + i));
  }
  snapshot::SnapshotMeta m;
  m.index = index;
  m.term = 2;
  m.servers = std::vector<snapshot::RaftServer>{{0, "node-0", "n0:8201"}};
  m.size = static_cast<int64_t>(state.size());
  StringSink out;
  auto w = snapshot::ArchiveWriter::Create(&out, {.mtime = 1700000000});
  VK_CHECK(w.ok());
  VK_CHECK((*w)->WriteMeta(snapshot::EncodeMeta(m)).ok());
  VK_CHECK((*w)->WriteState(AsBytes(state)).ok());
  VK_CHECK((*w)->EndState().ok());
  VK_CHECK((*w)->WriteSums().ok());
  // Vault seals SHA256SUMS with its keyring's key; any 32 bytes do here
  // (the flows under test do not open it).
  auto sealed = snapshot::SealWithKek(PseudoRandom(32, index), (*w)->sums());
  VK_CHECK(sealed.ok());
  VK_CHECK((*w)->WriteSealed(*sealed).ok());
  VK_CHECK((*w)->Finish().ok());
  return out.data();
}

std::string Contents(const std::string& archive) {
  MemorySource src(archive);
  Result<snapshot::ArchiveInfo> info = snapshot::ReadArchive(src, {});
  if (!info.ok()) return info.status().ToString();
  return info->meta_json + "\n" + info->sums + "\n" + info->sealed.value_or("");
}

std::string UnsealKey(int i) {
  return HexEncode(AsBytes(PseudoRandom(33, 7000 + i)));
}

OpsFixture::OpsFixture() {
  auto r = repo::Repository::Init(storage::NewMemStorage(), "pw",
                                  {.scrypt = {.n = 1024, .r = 8, .p = 1}});
  VK_CHECK(r.ok());
  repo = std::move(*r);
}

Result<backup::VaultBackup> OpsFixture::Backup(const std::string& archive,
                                               const std::string& cluster_id) {
  backup::ImportOptions io;
  io.time = "2026-11-30T10:00:00Z";
  io.hostname = "test";
  io.threads = 1;
  io.cluster.captured = true;
  io.cluster.cluster_id = cluster_id;
  io.cluster.seal_type = "shamir";
  io.cluster.shares = 5;
  io.cluster.threshold = 3;
  MemorySource src(archive);
  VK_ASSIGN_OR_RETURN(backup::ImportResult imported,
                      backup::ImportArchive(*repo, src, io));
  VK_ASSIGN_OR_RETURN(entry, backup::FindSnapshot(*repo, imported.snapshot_id));
  return backup::OpenVaultBackup(*repo, entry);
}

std::unique_ptr<vault::Client> OpsFixture::NewClient(const std::string& token) {
  vault::ClientOptions o;
  o.request_timeout_ms = 5000;
  o.retry = {.attempts = 2};
  o.clock = &clock;
  return std::make_unique<vault::Client>(o, token);
}

}  // namespace vk::ops::testing
