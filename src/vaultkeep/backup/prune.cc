#include "vaultkeep/backup/prune.h"

#include <map>

#include "vaultkeep/backup/catalog.h"

namespace vk::backup {
namespace {

using repo::BlobType;
using repo::Index;

constexpr int kMaxTreeDepth = 256;

Status WalkTree(repo::Repository& repo, const Sha256Digest& id, int depth,
                std::set<std::string>* used) {
  if (!used->insert(Index::Key(BlobType::kTree, id)).second) {
    return Status::Ok();
  }
  if (depth > kMaxTreeDepth) {
    return Corruption("tree " + HexEncode(id) + " nests too deep");
  }
  VK_ASSIGN_OR_RETURN(auto nodes, LoadTree(repo, id));
  for (const repo::Node& n : nodes) {
    if (n.content) {
      for (const Sha256Digest& c : *n.content) {
        used->insert(Index::Key(BlobType::kData, c));
      }
    }
    if (n.subtree)
      VK_RETURN_IF_ERROR(WalkTree(repo, *n.subtree, depth + 1, used));
  }
  return Status::Ok();
}

struct PackUse {
  uint64_t used_bytes = 0;
  uint64_t unused_bytes = 0;
  std::vector<repo::PackedBlob> keep;  // used, first occurrence
  std::vector<repo::PackedBlob> all;   // as indexed
};

// What prune will do, decided before anything changes.
struct PrunePlan {
  std::map<std::string, uint64_t> on_disk;  // pack id -> size
  std::map<std::string, PackUse> packs;     // pack id -> its indexed blobs
  std::vector<std::string> remove;          // packs no new index will name
  std::vector<std::string> repack;          // packs whose used blobs move
  std::vector<repo::PackBlobs> kept;        // what the new index names
};

// Every pack under data/ with its size.
Result<std::map<std::string, uint64_t>> ListPacks(repo::Repository& repo) {
  std::map<std::string, uint64_t> on_disk;
  VK_RETURN_IF_ERROR(repo.storage().List(
      std::string(repo::kDataDir) + "/", [&](const storage::ObjectInfo& info) {
        std::string_view key = info.key;
        on_disk[std::string(key.substr(key.rfind('/') + 1))] = info.size;
        return Status::Ok();
      }));
  return on_disk;
}

// Sorts the index's blobs into packs, used or not; a blob in use that no
// index has is corruption (prune would lose track of it).
Status ClassifyBlobs(repo::Repository& repo, const std::set<std::string>& used,
                     PrunePlan* plan, PruneReport* report) {
  std::set<std::string> placed;  // blob keys already kept somewhere
  std::vector<repo::IndexEntry> entries = repo.index().Entries();
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return a.pack_id != b.pack_id ? a.pack_id < b.pack_id
                                  : a.blob.offset < b.blob.offset;
  });
  for (const repo::IndexEntry& e : entries) {
    PackUse& p = plan->packs[e.pack_id];
    p.all.push_back(e.blob);
    std::string key = Index::Key(e.blob.type, e.blob.id);
    if (used.count(key) && placed.insert(key).second) {
      p.used_bytes += e.blob.length;
      p.keep.push_back(e.blob);
    } else {
      p.unused_bytes += e.blob.length;
    }
  }
  for (const std::string& key : used) {
    if (!placed.count(key)) {
      return Corruption("a blob in use (" + HexEncode(AsBytes(key.substr(1))) +
                        ") is in no index; run `vaultkeep check` — prune "
                        "changed nothing");
    }
  }
  report->blobs_used = placed.size();
  return Status::Ok();
}

// Decides each pack's fate: kept whole, repacked, or removed.
Status ChoosePacks(const PruneOptions& o, PrunePlan* plan) {
  for (auto& [id, p] : plan->packs) {
    if (!plan->on_disk.count(id)) {
      if (!p.keep.empty()) {
        return Corruption("pack " + id +
                          " is indexed and holds blobs in use "
                          "but is missing; prune changed nothing");
      }
      continue;
    }
    uint64_t total = p.used_bytes + p.unused_bytes;
    if (p.keep.empty()) {
      plan->remove.push_back(id);
    } else if (p.unused_bytes > 0 &&
               p.unused_bytes >= o.repack_threshold * total) {
      plan->repack.push_back(id);
    } else {
      // Kept whole: restic's check wants every blob of a pack indexed.
      plan->kept.emplace_back(id, p.all);
    }
  }
  for (const auto& [id, size] : plan->on_disk) {
    if (!plan->packs.count(id)) plan->remove.push_back(id);  // in no index
  }
  return Status::Ok();
}

// What the plan frees, before the repack writes anything.
void CountPlan(const PrunePlan& plan, PruneReport* report) {
  report->packs_total = plan.on_disk.size();
  for (const auto& [id, size] : plan.on_disk) report->bytes_before += size;
  for (const std::string& id : plan.remove) {
    auto it = plan.packs.find(id);
    if (it != plan.packs.end()) report->blobs_removed += it->second.all.size();
    report->bytes_freed += plan.on_disk.at(id);
  }
  for (const std::string& id : plan.repack) {
    const PackUse& p = plan.packs.at(id);
    report->blobs_removed += p.all.size() - p.keep.size();
    report->bytes_freed += plan.on_disk.at(id);
  }
  report->packs_deleted = plan.remove.size();
  report->packs_repacked = plan.repack.size();
}

Result<PrunePlan> PlanPrune(repo::Repository& repo,
                            const std::set<std::string>& used,
                            const PruneOptions& o, PruneReport* report) {
  PrunePlan plan;
  VK_ASSIGN_OR_RETURN(plan.on_disk, ListPacks(repo));
  VK_RETURN_IF_ERROR(ClassifyBlobs(repo, used, &plan, report));
  VK_RETURN_IF_ERROR(ChoosePacks(o, &plan));
  CountPlan(plan, report);
  return plan;
}

// Step 1: copies the used blobs of the packs to repack (each verified)
// into new packs, which join plan->kept.
Status Repack(repo::Repository& repo, PrunePlan* plan, PruneReport* report) {
  repo::PackWriter data(&repo.key()), tree(&repo.key());
  uint64_t written = 0;
  auto flush = [&](repo::PackWriter& w) -> Status {
    if (w.count() == 0) return Status::Ok();
    std::vector<repo::PackedBlob> blobs = w.blobs();
    uint64_t before = repo.pack_bytes_written();
    VK_ASSIGN_OR_RETURN(std::string id, repo.StorePack(w));
    written += repo.pack_bytes_written() - before;
    plan->kept.emplace_back(id, std::move(blobs));
    ++report->packs_written;
    return Status::Ok();
  };
  for (const std::string& id : plan->repack) {
    VK_ASSIGN_OR_RETURN(std::string bytes,
                        storage::GetAll(repo.storage(), repo::PackKey(id)));
    for (const repo::PackedBlob& b : plan->packs[id].keep) {
      if (uint64_t{b.offset} + b.length > bytes.size()) {
        return Corruption("pack " + id +
                          " is shorter than its index says; "
                          "prune stopped before changing any index");
      }
      ByteSpan sealed = AsBytes(bytes).subspan(b.offset, b.length);
      auto plain = repo::OpenBlob(repo.key(), b, sealed);
      if (!plain.ok()) {
        return plain.status().WithContext(
            "pack " + id + " (prune stopped before changing any index)");
      }
      repo::PackWriter& w = b.type == BlobType::kTree ? tree : data;
      w.AddSealed(repo::SealedBlob{b.type, b.id, std::string(AsChars(sealed)),
                                   b.uncompressed_length});
      if (w.size() >= (16u << 20)) VK_RETURN_IF_ERROR(flush(w));
    }
  }
  VK_RETURN_IF_ERROR(flush(data));
  VK_RETURN_IF_ERROR(flush(tree));
  report->bytes_freed -= std::min(report->bytes_freed, written);
  return Status::Ok();
}

// Step 2: new index files naming every kept blob; returns their IDs.
Result<std::set<std::string>> WriteIndex(repo::Repository& repo,
                                         std::vector<repo::PackBlobs> kept) {
  std::vector<repo::PackBlobs> batch;
  size_t batch_blobs = 0;
  std::set<std::string> new_index_files;
  auto write_batch = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    VK_ASSIGN_OR_RETURN(
        std::string id,
        repo.SaveUnpacked(repo::kIndexDir, Index::Encode(batch)));
    new_index_files.insert(id);
    batch.clear();
    batch_blobs = 0;
    return Status::Ok();
  };
  for (auto& pb : kept) {
    batch_blobs += pb.second.size();
    batch.push_back(std::move(pb));
    if (batch_blobs >= repo::kIndexMaxBlobs) VK_RETURN_IF_ERROR(write_batch());
  }
  VK_RETURN_IF_ERROR(write_batch());
  return new_index_files;
}

// Step 3: the index files read before, unless rewritten identically.
Status RemoveOldIndex(repo::Repository& repo,
                      const std::set<std::string>& new_index_files,
                      PruneReport* report) {
  for (const std::string& id : repo.loaded_index_files()) {
    if (new_index_files.count(id)) continue;  // identical content
    VK_RETURN_IF_ERROR(
        repo.storage().Remove(std::string(repo::kIndexDir) + "/" + id));
    ++report->index_files_replaced;
  }
  return Status::Ok();
}

// Step 4: the packs no index names any more.
Status RemovePacks(repo::Repository& repo, const PrunePlan& plan) {
  for (const auto* ids : {&plan.remove, &plan.repack}) {
    for (const std::string& id : *ids) {
      VK_RETURN_IF_ERROR(repo.storage().Remove(repo::PackKey(id)));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::set<std::string>> UsedBlobs(repo::Repository& repo) {
  std::set<std::string> used;
  VK_ASSIGN_OR_RETURN(auto snaps, ListSnapshots(repo));
  for (const SnapshotEntry& s : snaps) {
    Status st = WalkTree(repo, s.file.tree, 0, &used);
    if (!st.ok()) return st.WithContext("snapshot " + s.id.substr(0, 8));
  }
  return used;
}

Result<PruneReport> Prune(repo::Repository& repo, const PruneOptions& o) {
  Result<std::set<std::string>> used = UsedBlobs(repo);
  if (!used.ok()) {
    // A snapshot that cannot be read may need any blob: deleting data now
    // could destroy the rest of it.
    return used.status().WithContext(
        "prune refused, nothing was deleted (it cannot know which data an "
        "unreadable snapshot needs: restore the file, or remove the "
        "snapshot with `vaultkeep forget ID`)");
  }
  PruneReport report;
  VK_ASSIGN_OR_RETURN(PrunePlan plan, PlanPrune(repo, *used, o, &report));
  if (o.dry_run) return report;
  VK_RETURN_IF_ERROR(Repack(repo, &plan, &report));
  VK_ASSIGN_OR_RETURN(std::set<std::string> new_index_files,
                      WriteIndex(repo, std::move(plan.kept)));
  VK_RETURN_IF_ERROR(RemoveOldIndex(repo, new_index_files, &report));
  VK_RETURN_IF_ERROR(RemovePacks(repo, plan));
  return report;
}

}  // namespace vk::backup
