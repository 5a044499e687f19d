#include "vaultkeep/backup/dump.h"

#include "kit/snapshot/archive_reader.h"
#include "kit/snapshot/archive_writer.h"

namespace vk::backup {
namespace {

constexpr size_t kSmallLimit = snapshot::kSmallEntryLimit;

Result<const repo::Node*> EntryNode(const VaultBackup& b,
                                    const ManifestEntry& e) {
  const repo::Node* n = FindNode(b.archive, e.name);
  if (n == nullptr || n->type != "file" || !n->content) {
    return Corruption("archive entry " + e.name +
                      " listed in vaultkeep.json is missing from the "
                      "snapshot's archive folder");
  }
  if (n->size != e.size) {
    return Corruption("archive entry " + e.name + " is " +
                      std::to_string(n->size) + " bytes in the tree but " +
                      std::to_string(e.size) + " in vaultkeep.json");
  }
  return n;
}

Result<std::string> LoadSmallEntry(repo::Repository& repo, const VaultBackup& b,
                                   const ManifestEntry& e) {
  VK_ASSIGN_OR_RETURN(const repo::Node* n, EntryNode(b, e));
  VK_ASSIGN_OR_RETURN(std::string data,
                      LoadContent(repo, *n->content, e.name, kSmallLimit));
  if (data.size() != e.size || Sha256::Of(AsBytes(data)) != e.sha256) {
    return Corruption("archive entry " + e.name +
                      " does not match the SHA-256 in vaultkeep.json");
  }
  return data;
}

Result<DumpResult> DumpVaultkeep(repo::Repository& repo, const VaultBackup& b,
                                 ByteSink* out, const DumpOptions& o) {
  const Manifest& m = b.manifest;
  const ManifestEntry* meta = m.Find(snapshot::kMetaName);
  const ManifestEntry* state = m.Find(snapshot::kStateName);
  const ManifestEntry* sums = m.Find(snapshot::kSumsName);
  const ManifestEntry* sealed = m.Find(snapshot::kSealedName);
  if (!meta || !state || !sums) {
    return Corruption(
        "vaultkeep.json lists no meta.json, state.bin or SHA256SUMS");
  }
  // Small entries first: a damaged one fails before any byte is written.
  VK_ASSIGN_OR_RETURN(std::string meta_json, LoadSmallEntry(repo, b, *meta));
  VK_ASSIGN_OR_RETURN(std::string sums_text, LoadSmallEntry(repo, b, *sums));
  std::string sealed_data;
  if (sealed) {
    VK_ASSIGN_OR_RETURN(sealed_data, LoadSmallEntry(repo, b, *sealed));
  }
  VK_ASSIGN_OR_RETURN(const repo::Node* state_node, EntryNode(b, *state));

  CountingSink tee(out);
  snapshot::WriteOptions wo{.gzip_level = o.gzip_level, .mtime = m.tar_mtime};
  VK_ASSIGN_OR_RETURN(auto w, snapshot::ArchiveWriter::Create(&tee, wo));
  VK_RETURN_IF_ERROR(w->WriteMeta(meta_json));
  ByteSink& ss = w->state_sink();
  VK_RETURN_IF_ERROR(StreamContent(repo, *state_node->content,
                                   snapshot::kStateName, ss, o.stream));
  VK_RETURN_IF_ERROR(w->EndState());
  if (w->hashes().at(snapshot::kStateName) != state->sha256) {
    return Corruption(
        "state.bin rebuilt from the repository does not match the SHA-256 "
        "in vaultkeep.json");
  }
  VK_RETURN_IF_ERROR(w->WriteSums(sums_text));
  if (sealed) VK_RETURN_IF_ERROR(w->WriteSealed(sealed_data));
  VK_RETURN_IF_ERROR(w->Finish());
  return DumpResult{tee.count(), BackupLayout::kVaultkeep};
}

Result<DumpResult> DumpStash(repo::Repository& repo, const VaultBackup& b,
                             ByteSink* out, const DumpOptions& o) {
  if (!b.snap_file.content) {
    return Corruption("backup.snap has no content list");
  }
  CountingSink tee(out);
  VK_RETURN_IF_ERROR(
      StreamContent(repo, *b.snap_file.content, "backup.snap", tee, o.stream));
  if (tee.count() != b.snap_file.size) {
    return Corruption("backup.snap is " + std::to_string(tee.count()) +
                      " bytes in the repository but its tree says " +
                      std::to_string(b.snap_file.size));
  }
  return DumpResult{tee.count(), BackupLayout::kStash};
}

}  // namespace

Result<DumpResult> DumpArchive(repo::Repository& repo, const VaultBackup& b,
                               ByteSink* out, const DumpOptions& o) {
  if (b.layout == BackupLayout::kStash) return DumpStash(repo, b, out, o);
  return DumpVaultkeep(repo, b, out, o);
}

}  // namespace vk::backup
