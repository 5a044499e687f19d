#include "vaultkeep/backup/catalog.h"

#include <algorithm>

#include "kit/base/time.h"
#include "vaultkeep/backup/blob_reader.h"

namespace vk::backup {
namespace {

constexpr size_t kManifestLimit = 1 << 20;
// Bounds for the Stash search: how deep and how many directories.
constexpr int kMaxDepth = 32;
constexpr int kMaxDirs = 10000;
constexpr char kStashSnapName[] = "backup.snap";

bool IsStashKeyName(std::string_view name) {
  return name == "root-token" || name.starts_with("unseal-key-") ||
         name.ends_with("-root-token") ||
         name.find("-unseal-key-") != std::string_view::npos;
}

Status FindStash(repo::Repository& repo, const Sha256Digest& tree,
                 const std::string& path, int depth, int* dirs,
                 std::optional<VaultBackup>* found) {
  if (depth > kMaxDepth || ++*dirs > kMaxDirs) return Status::Ok();
  VK_ASSIGN_OR_RETURN(auto nodes, LoadTree(repo, tree));
  if (const repo::Node* snap = FindNode(nodes, kStashSnapName);
      snap != nullptr && snap->type == "file") {
    VaultBackup b;
    b.layout = BackupLayout::kStash;
    b.path = path.empty() ? "/" : path;
    b.snap_file = *snap;
    for (const repo::Node& n : nodes) {
      if (n.type == "file" && IsStashKeyName(n.name)) b.keys.push_back(n);
    }
    *found = std::move(b);
    return Status::Ok();
  }
  for (const repo::Node& n : nodes) {
    if (n.type != "dir" || !n.subtree) continue;
    VK_RETURN_IF_ERROR(FindStash(repo, *n.subtree, path + "/" + n.name,
                                 depth + 1, dirs, found));
    if (found->has_value()) return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace

const repo::Node* FindNode(const std::vector<repo::Node>& nodes,
                           std::string_view name) {
  for (const repo::Node& n : nodes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

Result<std::vector<SnapshotEntry>> ListSnapshots(
    repo::Repository& repo, std::vector<UnreadableSnapshot>* unreadable) {
  VK_ASSIGN_OR_RETURN(auto ids, repo.ListIds(repo::kSnapshotsDir));
  std::sort(ids.begin(), ids.end());
  std::vector<SnapshotEntry> out;
  for (const std::string& id : ids) {
    Result<SnapshotEntry> e = [&]() -> Result<SnapshotEntry> {
      VK_ASSIGN_OR_RETURN(std::string json,
                          repo.LoadUnpacked(repo::kSnapshotsDir, id));
      VK_ASSIGN_OR_RETURN(repo::SnapshotFile file,
                          repo::DecodeSnapshotFile(json));
      VK_ASSIGN_OR_RETURN(ZonedTime t, ParseRfc3339Zoned(file.time));
      return SnapshotEntry{id, std::move(file), t.time, t.utc_offset_seconds};
    }();
    if (e.ok()) {
      out.push_back(std::move(*e));
      continue;
    }
    // A file that vanished between the listing and the read was removed
    // by a concurrent forget: not damage.
    if (e.status().code() == StatusCode::kNotFound) continue;
    Status named = e.status().message().find(id) != std::string::npos
                       ? e.status()
                       : e.status().WithContext(
                             "snapshot file " +
                             std::string(repo::kSnapshotsDir) + "/" + id);
    if (unreadable == nullptr) return named;
    if (named.code() == StatusCode::kPermissionDenied ||
        named.code() == StatusCode::kUnavailable ||
        named.code() == StatusCode::kIOError) {
      return named;  // the store, not the file, is failing
    }
    unreadable->push_back({id, Corruption(named.message())});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.time != b.time ? a.time < b.time : a.id < b.id;
  });
  return out;
}

bool KeysUnusable(const SnapshotEntry& s) {
  return std::find(s.file.tags.begin(), s.file.tags.end(), kKeysUnusableTag) !=
         s.file.tags.end();
}

Result<SnapshotEntry> FindSnapshot(repo::Repository& repo,
                                   std::string_view spec, FindNotes* notes) {
  auto note = [&](std::string line) {
    if (notes != nullptr) notes->lines.push_back(std::move(line));
  };
  if (spec != "latest" &&
      (spec.size() < 4 || spec.size() > 64 ||
       spec.find_first_not_of("0123456789abcdef") != std::string_view::npos)) {
    return InvalidArgument("snapshot ID \"" + std::string(spec) +
                           "\": expected \"latest\" or 4 to 64 lowercase "
                           "hex digits");
  }
  std::vector<UnreadableSnapshot> bad;
  VK_ASSIGN_OR_RETURN(auto all, ListSnapshots(repo, &bad));
  if (spec == "latest") {
    for (const UnreadableSnapshot& u : bad) {
      note("skipped " + u.status.message());
    }
    if (all.empty()) {
      if (!bad.empty()) {
        return Corruption("the repository has no readable snapshot (" +
                          std::to_string(bad.size()) +
                          " snapshot files are damaged; `vaultkeep check` "
                          "names them)");
      }
      return NotFound("the repository has no snapshots");
    }
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (!KeysUnusable(*it)) return *it;
      note("skipped snapshot " + it->id.substr(0, 8) + " of " + it->file.time +
           ": its escrowed keys cannot unseal it (tag " + kKeysUnusableTag +
           "); give its ID to use it anyway");
    }
    note("every snapshot is tagged " + std::string(kKeysUnusableTag) +
         ": using the newest one");
    return all.back();
  }
  for (const UnreadableSnapshot& u : bad) {
    if (u.id.starts_with(spec)) return u.status;
  }
  const SnapshotEntry* match = nullptr;
  for (const auto& s : all) {
    if (s.id.starts_with(spec)) {
      if (match != nullptr) {
        return InvalidArgument("snapshot ID prefix " + std::string(spec) +
                               " is ambiguous; give more digits");
      }
      match = &s;
    }
  }
  if (match == nullptr) {
    return NotFound("no snapshot with ID " + std::string(spec));
  }
  return *match;
}

Result<std::vector<repo::Node>> LoadTree(repo::Repository& repo,
                                         const Sha256Digest& id) {
  VK_ASSIGN_OR_RETURN(std::string json,
                      repo.LoadBlob(repo::BlobType::kTree, id));
  auto nodes = repo::DecodeTree(json);
  if (!nodes.ok()) return nodes.status().WithContext("tree " + HexEncode(id));
  return nodes;
}

Result<VaultBackup> OpenVaultBackup(repo::Repository& repo,
                                    const SnapshotEntry& snap) {
  VK_ASSIGN_OR_RETURN(auto root, LoadTree(repo, snap.file.tree));
  const repo::Node* top = FindNode(root, kTopDir);
  if (top != nullptr && top->type == "dir" && top->subtree) {
    VK_ASSIGN_OR_RETURN(auto nodes, LoadTree(repo, *top->subtree));
    const repo::Node* m = FindNode(nodes, kManifestName);
    const repo::Node* a = FindNode(nodes, kArchiveDir);
    if (m != nullptr && m->content && a != nullptr && a->subtree) {
      VaultBackup b;
      b.path = kSnapshotPath;
      VK_ASSIGN_OR_RETURN(
          std::string json,
          LoadContent(repo, *m->content, kManifestName, kManifestLimit));
      VK_ASSIGN_OR_RETURN(b.manifest, DecodeManifest(json));
      VK_ASSIGN_OR_RETURN(b.archive, LoadTree(repo, *a->subtree));
      if (const repo::Node* k = FindNode(nodes, kKeysDir);
          k != nullptr && k->subtree) {
        VK_ASSIGN_OR_RETURN(b.keys, LoadTree(repo, *k->subtree));
      }
      return b;
    }
  }
  std::optional<VaultBackup> found;
  int dirs = 0;
  VK_RETURN_IF_ERROR(FindStash(repo, snap.file.tree, "", 0, &dirs, &found));
  if (found) return std::move(*found);
  return FailedPrecondition("snapshot " + snap.id.substr(0, 8) +
                            " holds no Vault backup (neither /vault/" +
                            kManifestName + " nor a " + kStashSnapName + ")");
}

std::string UnreadableSnapshot::Note() const {
  return "skipped " + status.message() +
         " (`vaultkeep check` reports it; `vaultkeep forget " +
         id.substr(0, 8) + "` removes it)";
}

}  // namespace vk::backup
