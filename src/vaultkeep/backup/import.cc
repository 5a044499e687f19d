#include "vaultkeep/backup/import.h"

#include <chrono>
#include <map>
#include <optional>

#include "kit/base/time.h"
#include "vaultkeep/chunker/chunker.h"
#include "vaultkeep/repo/snapshot_file.h"
#include "vaultkeep/repo/tree.h"

namespace vk::backup {
namespace {

using repo::Node;

constexpr uint32_t kFileMode = 0600;  // the archive holds secrets
constexpr uint32_t kDirMode = 0700;

// Feeds state.bin to the record-aligned chunker and the chunks to the
// pipeline; keeps the small entries for later.
class ImportVisitor : public snapshot::ArchiveVisitor {
 public:
  ImportVisitor(chunker::Chunker* chunker) : chunker_(chunker) {}

  Status OnSmallEntry(const std::string& name, std::string_view data) override {
    small_[name] = std::string(data);
    return Status::Ok();
  }
  Status OnRecord(const snapshot::StateRecord& r) override {
    chunker_->AddBoundary(r.offset + r.length);
    return Status::Ok();
  }
  Status OnStateData(ByteSpan data) override { return chunker_->Feed(data); }

  std::map<std::string, std::string>& small() { return small_; }

 private:
  chunker::Chunker* chunker_;
  std::map<std::string, std::string> small_;
};

Result<std::vector<Sha256Digest>> SaveSmallFile(repo::Repository& repo,
                                                std::string_view data) {
  std::vector<Sha256Digest> ids;
  if (data.empty()) return ids;
  VK_ASSIGN_OR_RETURN(
      auto saved, repo.SaveBlob(repo::BlobType::kData, AsBytes(data), true));
  ids.push_back(saved.id);
  return ids;
}

Result<Sha256Digest> SaveTree(repo::Repository& repo, std::vector<Node> nodes) {
  VK_RETURN_IF_ERROR(repo::SortAndCheckNodes(nodes));
  std::string json = repo::EncodeTree(nodes);
  VK_ASSIGN_OR_RETURN(
      auto saved, repo.SaveBlob(repo::BlobType::kTree, AsBytes(json), true));
  return saved.id;
}

Result<Node> SmallFileNode(repo::Repository& repo, const std::string& name,
                           std::string_view data, const std::string& mtime) {
  VK_ASSIGN_OR_RETURN(auto ids, SaveSmallFile(repo, data));
  return repo::FileNode(name, data.size(), std::move(ids), kFileMode, mtime);
}

// Everything after the archive verified: the rest of the blobs, the trees,
// then Flush (packs + index) and the snapshot file.
Result<std::string> Commit(repo::Repository& repo, const ImportOptions& o,
                           const snapshot::ArchiveInfo& info,
                           std::map<std::string, std::string>& small,
                           std::vector<Sha256Digest> state_content,
                           const Manifest& manifest,
                           const std::vector<std::string>& tags) {
  std::string mtime =
      FormatRfc3339(std::chrono::system_clock::from_time_t(info.mtime));
  std::vector<Node> archive;
  for (const std::string& name : info.entry_order) {
    if (name == snapshot::kStateName) {
      archive.push_back(repo::FileNode(
          name, info.state_size, std::move(state_content), kFileMode, mtime));
      continue;
    }
    VK_ASSIGN_OR_RETURN(Node n, SmallFileNode(repo, name, small[name], mtime));
    archive.push_back(std::move(n));
  }
  VK_ASSIGN_OR_RETURN(Sha256Digest archive_tree,
                      SaveTree(repo, std::move(archive)));

  std::vector<Node> top;
  top.push_back(repo::DirNode(kArchiveDir, archive_tree, kDirMode, mtime));
  if (!o.keys.empty()) {
    std::vector<Node> keys;
    for (const EscrowFile& k : o.keys) {
      VK_ASSIGN_OR_RETURN(Node n, SmallFileNode(repo, k.name, k.data, mtime));
      keys.push_back(std::move(n));
    }
    VK_ASSIGN_OR_RETURN(Sha256Digest keys_tree,
                        SaveTree(repo, std::move(keys)));
    top.push_back(repo::DirNode(kKeysDir, keys_tree, kDirMode, mtime));
  }
  VK_ASSIGN_OR_RETURN(
      Node mnode,
      SmallFileNode(repo, kManifestName, EncodeManifest(manifest), mtime));
  top.push_back(std::move(mnode));
  VK_ASSIGN_OR_RETURN(Sha256Digest top_tree, SaveTree(repo, std::move(top)));

  std::vector<Node> root;
  root.push_back(repo::DirNode(kTopDir, top_tree, kDirMode, mtime));
  VK_ASSIGN_OR_RETURN(Sha256Digest root_tree, SaveTree(repo, std::move(root)));

  VK_RETURN_IF_ERROR(repo.Flush().status());

  repo::SnapshotFile snap;
  snap.time = o.time;
  snap.tree = root_tree;
  snap.paths = {kSnapshotPath};
  snap.hostname = o.hostname;
  snap.username = o.username;
  snap.tags = tags;
  snap.program_version = "vaultkeep " + o.tool_version;
  return repo.SaveUnpacked(repo::kSnapshotsDir, repo::EncodeSnapshotFile(snap));
}

Manifest BuildManifest(const ImportOptions& o,
                       const snapshot::ArchiveInfo& info,
                       const std::map<std::string, std::string>& small,
                       size_t chunk_average) {
  Manifest m;
  m.tool_version = o.tool_version;
  m.source = o.source;
  m.vault_snapshot_id = info.meta.id;
  m.index = info.meta.index;
  m.term = info.meta.term;
  m.records = info.records;
  m.raft_servers =
      info.meta.servers ? static_cast<int>(info.meta.servers->size()) : 0;
  for (const std::string& name : info.entry_order) {
    ManifestEntry e;
    e.name = name;
    if (name == snapshot::kStateName) {
      e.size = info.state_size;
      e.sha256 = info.hashes.at(name);
    } else {
      const std::string& data = small.at(name);
      e.size = data.size();
      e.sha256 = Sha256::Of(AsBytes(data));
    }
    m.entries.push_back(std::move(e));
  }
  m.tar_mtime = info.mtime;
  m.compressed_size = info.compressed_size;
  m.tar_size = info.tar_size;
  m.gzip_members = info.gzip_members;
  m.sealed = info.sealed.has_value() && !info.sealed->empty();
  m.chunk_average = chunk_average;
  m.record_aligned = true;
  for (const EscrowFile& k : o.keys) m.keys.push_back(k.name);
  m.cluster = o.cluster;
  m.timings = o.timings;
  return m;
}

}  // namespace

Result<ImportResult> ImportArchive(repo::Repository& repo, ByteSource& snap,
                                   const ImportOptions& o) {
  size_t avg = o.chunk_average ? o.chunk_average : chunker::kDefaultAverage;
  VK_ASSIGN_OR_RETURN(chunker::Params params, chunker::ParamsForAverage(avg));
  if (o.time.empty()) return InvalidArgument("import: no snapshot time");
  Sha256Digest secret = repo.ChunkerSecret();
  chunker::GearTable gear =
      chunker::GearTable::FromSecret(ByteSpan(secret.data(), secret.size()));

  ImportResult result;
  // The repository counts pack bytes since it was opened; a caller may
  // import several archives through one.
  const uint64_t pack_bytes_before = repo.pack_bytes_written();
  std::vector<Sha256Digest> state_content;
  BlobPipeline pipeline(&repo, o.threads, o.compress);
  chunker::Chunker chunker(&gear, params, true, [&](std::string chunk) {
    return pipeline.Submit(std::move(chunk), &state_content);
  });
  ImportVisitor visitor(&chunker);

  auto run = [&]() -> Status {
    VK_ASSIGN_OR_RETURN(result.archive,
                        snapshot::ReadArchive(snap, o.read, &visitor));
    VK_RETURN_IF_ERROR(chunker.Finish());
    VK_RETURN_IF_ERROR(pipeline.Drain());
    result.state = pipeline.stats();
    result.manifest = BuildManifest(o, result.archive, visitor.small(), avg);
    result.tags = o.tags;
    if (o.before_commit) {
      VK_RETURN_IF_ERROR(
          o.before_commit(result.archive, &result.manifest, &result.tags));
    }
    VK_ASSIGN_OR_RETURN(
        result.snapshot_id,
        Commit(repo, o, result.archive, visitor.small(),
               std::move(state_content), result.manifest, result.tags));
    result.added_bytes = repo.pack_bytes_written() - pack_bytes_before;
    return Status::Ok();
  };
  Status st = run();
  if (!st.ok()) {
    // Record nothing: drop the packs written for this import (best effort;
    // a pack left behind is unreferenced and `prune` removes it).
    (void)pipeline.Drain();
    (void)repo.DiscardUnindexed();
    return st;
  }
  return result;
}

}  // namespace vk::backup
