#include "vaultkeep/backup/check.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

#include "kit/crypto/sha256.h"
#include "vaultkeep/backup/pack_verifier.h"
#include "vaultkeep/repo/index.h"
#include "vaultkeep/repo/key_file.h"
#include "vaultkeep/repo/pack.h"
#include "vaultkeep/repo/snapshot_file.h"
#include "vaultkeep/repo/tree.h"

namespace vk::backup {
namespace {

using repo::BlobType;

// The first read of a pack takes this much of its end, which holds the
// whole header of any pack with up to ~1,600 blobs; a larger header costs
// a second read of exactly its size (bounded by kMaxHeaderSize).
constexpr uint64_t kTailRead = 64 << 10;
// Key files are about 450 bytes; anything this large is not one.
constexpr uint64_t kMaxKeyFileSize = 1 << 20;
// Paths nest at most this deep (restic has no limit; this only stops a
// hostile chain of trees from growing the walk without bound).
constexpr size_t kMaxTreeDepth = 1024;
// Per pack, header/index mismatches listed one by one before a summary.
constexpr int kMaxMismatchesListed = 5;

bool IsHexId(std::string_view s) {
  return s.size() == 64 &&
         s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// "<name>: <message>", unless the message already starts with the name.
std::string Named(std::string_view name, const Status& st) {
  if (st.message().starts_with(name)) return st.message();
  return std::string(name) + ": " + st.message();
}

// One blob as a pack header and an index entry both describe it.
using BlobKey = std::tuple<BlobType, Sha256Digest, uint32_t, uint32_t,
                           uint32_t>;  // type, id, offset, length, ulen
BlobKey KeyOf(const repo::PackedBlob& b) {
  return {b.type, b.id, b.offset, b.length, b.uncompressed_length};
}

std::string Describe(const repo::PackedBlob& b) {
  std::string s = std::string(repo::BlobTypeName(b.type)) + " blob " +
                  HexEncode(b.id) + " at offset " + std::to_string(b.offset) +
                  ", length " + std::to_string(b.length);
  if (b.uncompressed_length != 0) {
    s += ", uncompressed length " + std::to_string(b.uncompressed_length);
  }
  return s;
}

struct IndexedPack {
  std::set<BlobKey> keys;                // deduplicated across index files
  std::vector<repo::PackedBlob> blobs;   // one per key, in offset order
  std::vector<std::string> index_files;  // that list this pack
};

class Checker {
 public:
  Checker(repo::Repository& repo, const CheckOptions& options)
      : repo_(repo), storage_(repo.storage()), options_(options) {}

  Result<CheckReport> Run() {
    VK_RETURN_IF_ERROR(CheckKeys());
    VK_RETURN_IF_ERROR(LoadIndexFiles());
    VK_RETURN_IF_ERROR(CheckPacks());
    VK_RETURN_IF_ERROR(CheckSnapshots());
    report_.blobs = index_.size();
    return std::move(report_);
  }

 private:
  void Error(CheckProblem kind, std::string m) {
    report_.errors.push_back(std::move(m));
    report_.error_kinds.push_back(kind);
  }
  void Warn(std::string m) { report_.warnings.push_back(std::move(m)); }
  void Read(uint64_t n) {
    report_.bytes_read += n;
    if (options_.on_bytes_read) options_.on_bytes_read(n);
  }

  // Every object under dir/, sorted by key, with its size.
  Result<std::vector<storage::ObjectInfo>> List(std::string_view dir) {
    std::vector<storage::ObjectInfo> out;
    VK_RETURN_IF_ERROR(storage_.List(std::string(dir) + "/",
                                     [&](const storage::ObjectInfo& info) {
                                       out.push_back(info);
                                       return Status::Ok();
                                     }));
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.key < b.key; });
    return out;
  }

  // Every file under dir/ in key order, counted in *count: a file not
  // named by a 64-digit hex ID is reported, the others go to `fn` with
  // their ID.
  using IdFileFn =
      std::function<void(const storage::ObjectInfo&, const std::string& id)>;
  Status ForEachIdFile(std::string_view dir, uint64_t* count,
                       const IdFileFn& fn) {
    VK_ASSIGN_OR_RETURN(auto files, List(dir));
    for (const storage::ObjectInfo& f : files) {
      ++*count;
      std::string id = f.key.substr(dir.size() + 1);
      if (!IsHexId(id)) {
        Error(CheckProblem::kBadName,
              f.key + " is not named by a 64-digit hex ID");
        continue;
      }
      fn(f, id);
    }
    return Status::Ok();
  }

  // The plaintext of the unpacked file `f` (dir/id; index or snapshot), or
  // nullopt once its failure to load (name = hash, MAC, encoding) is
  // reported as `kind`.
  std::optional<std::string> LoadUnpacked(const storage::ObjectInfo& f,
                                          std::string_view dir,
                                          const std::string& id,
                                          CheckProblem kind) {
    auto plain = repo_.LoadUnpacked(dir, id);
    Read(f.size);
    if (!plain.ok()) {
      Error(kind, Named(f.key, plain.status()));
      return std::nullopt;
    }
    return std::move(*plain);
  }

  Status CheckKeys() {
    return ForEachIdFile(repo::kKeysDir, &report_.key_files,
                         [&](const storage::ObjectInfo& f,
                             const std::string& id) { CheckKeyFile(f, id); });
  }

  void CheckKeyFile(const storage::ObjectInfo& f, const std::string& id) {
    if (f.size > kMaxKeyFileSize) {
      Error(CheckProblem::kKeyFile, f.key + " is " + std::to_string(f.size) +
                                        " bytes, too large for a key file");
      return;
    }
    auto text = storage::GetAll(storage_, f.key);
    if (!text.ok()) {
      Error(CheckProblem::kKeyFile, Named(f.key, text.status()));
      return;
    }
    Read(text->size());
    if (HexEncode(Sha256::Of(AsBytes(*text))) != id) {
      Error(CheckProblem::kKeyFile,
            f.key + " does not hash to its name (damaged file)");
      return;
    }
    auto key = repo::ParseKeyFile(*text);
    if (!key.ok()) Error(CheckProblem::kKeyFile, Named(f.key, key.status()));
  }

  Status LoadIndexFiles() {
    VK_RETURN_IF_ERROR(ForEachIdFile(
        repo::kIndexDir, &report_.index_files,
        [&](const storage::ObjectInfo& f, const std::string& id) {
          if (auto json = LoadUnpacked(f, repo::kIndexDir, id,
                                       CheckProblem::kIndexFile)) {
            AddIndexFile(f.key, *json);
          }
        }));
    for (auto& [id, pack] : packs_) {
      std::sort(
          pack.blobs.begin(), pack.blobs.end(),
          [](const auto& a, const auto& b) { return a.offset < b.offset; });
    }
    return Status::Ok();
  }

  void AddIndexFile(const std::string& key, const std::string& json) {
    // Index::Merge validates the whole file (and keeps the first location
    // of each blob, like LoadIndex); the per-pack lists below keep every
    // entry, for comparing with the pack headers.
    repo::Index parsed;
    if (Status st = parsed.Merge(json); !st.ok()) {
      Error(CheckProblem::kIndexFile, Named(key, st));
      return;
    }
    auto j = nlohmann::json::parse(json);  // valid: Merge parsed it
    for (const auto& p : j["packs"]) {
      std::string pack_id = p["id"].get<std::string>();
      IndexedPack& pack = packs_[pack_id];
      if (pack.index_files.empty() || pack.index_files.back() != key) {
        pack.index_files.push_back(key);
      }
      for (const auto& b : p["blobs"]) {
        auto hex = HexDecode(b["id"].get<std::string>());
        repo::PackedBlob blob;
        std::copy(hex->begin(), hex->end(), blob.id.begin());
        blob.type = b["type"] == "tree" ? BlobType::kTree : BlobType::kData;
        blob.offset = b["offset"].get<uint32_t>();
        blob.length = b["length"].get<uint32_t>();
        blob.uncompressed_length = b.value("uncompressed_length", uint32_t{0});
        if (pack.keys.insert(KeyOf(blob)).second) {
          pack.blobs.push_back(blob);
        }
        index_.Add(pack_id, blob);
      }
    }
  }

  Status CheckPacks() {
    VK_ASSIGN_OR_RETURN(auto files, List(repo::kDataDir));
    std::set<std::string> present;
    for (const storage::ObjectInfo& f : files) {
      ++report_.packs;
      std::string id = f.key.substr(f.key.rfind('/') + 1);
      if (!IsHexId(id) || f.key != repo::PackKey(id)) {
        Error(CheckProblem::kBadName,
              f.key + " is not a pack file name (data/<xx>/<64 hex digits>)");
        continue;
      }
      present.insert(id);
      auto it = packs_.find(id);
      if (it == packs_.end()) {
        Warn("pack " + id + " is not referenced in any index");
        continue;
      }
      CheckPack(id, f.key, f.size, it->second);
    }
    for (const auto& [id, pack] : packs_) {
      if (present.count(id)) continue;
      std::string files;
      for (const std::string& f : pack.index_files) {
        files += (files.empty() ? "" : ", ") + f;
      }
      Error(CheckProblem::kPackMissing, "pack " + id + " is referenced by " +
                                            files + " but does not exist");
    }
    return Status::Ok();
  }

  void CheckPack(const std::string& id, const std::string& key, uint64_t size,
                 const IndexedPack& indexed) {
    const std::string name = "pack " + id;
    // What the index implies: blobs from offset 0 without gaps or
    // overlaps, then the sealed header and its length.
    uint64_t expect = crypto::kResticOverhead + 4;
    uint64_t at = 0;
    bool contiguous = true;
    for (const repo::PackedBlob& b : indexed.blobs) {
      if (contiguous && b.offset != at) {
        Error(CheckProblem::kPackMismatch,
              name + ": the index lays out its blobs with a " +
                  (b.offset > at ? "gap" : "overlap") + " at offset " +
                  std::to_string(std::min<uint64_t>(at, b.offset)));
        contiguous = false;
      }
      at = std::max<uint64_t>(at, uint64_t{b.offset} + b.length);
      expect += uint64_t{b.length} + (b.uncompressed_length ? 41 : 37);
    }
    if (size != expect) {
      Error(CheckProblem::kPackMismatch,
            name + ": file size is " + std::to_string(size) +
                " bytes but the index implies " + std::to_string(expect));
    }

    // The header, from the pack's tail.
    if (size < 4 + crypto::kResticOverhead) {
      Error(CheckProblem::kPackHeader,
            name + ": damaged header: the pack is only " +
                std::to_string(size) + " bytes");
      return;
    }
    std::optional<std::vector<repo::PackedBlob>> header;
    StringSink tail;
    uint64_t want = std::min(size, kTailRead);
    Status st = storage_.Get(key, size - want, want, tail);
    if (st.ok()) {
      Read(want);
      if (want >= 4) {
        auto span = repo::PackHeaderSpan(size, AsBytes(tail.data()).last(4));
        if (span.ok() && *span > want) {  // bounded by kMaxHeaderSize + 4
          tail = StringSink();
          st = storage_.Get(key, size - *span, *span, tail);
          if (st.ok()) Read(*span);
        }
      }
    }
    if (!st.ok()) {
      Error(CheckProblem::kPackHeader,
            name + " cannot be read: " + st.message());
      return;
    }
    auto parsed = repo::ParsePackTail(repo_.key(), size, AsBytes(tail.data()));
    if (!parsed.ok()) {
      Error(CheckProblem::kPackHeader,
            name + ": damaged header: " + parsed.status().message());
    } else {
      header = std::move(*parsed);
      CompareHeader(name, *header, indexed);
    }

    if (!options_.read_data) return;
    // Every blob the header lists, or the index when the header is gone
    // (and the index's layout is usable).
    const std::vector<repo::PackedBlob>* blobs = &indexed.blobs;
    static const std::vector<repo::PackedBlob> kNone;
    if (header) {
      blobs = &*header;
    } else if (!contiguous || at > size) {
      blobs = &kNone;
    }
    PackVerifier verifier(
        repo_.key(), *blobs,
        [&](const repo::PackedBlob& b, const Status& s) {
          Error(CheckProblem::kPackData,
                name + ": " + Describe(b) + ": " + s.message());
        },
        [this](uint64_t n) { Read(n); });
    st = storage_.Get(key, 0, storage::kToEnd, verifier);
    report_.blobs_read += verifier.opened();
    if (!st.ok()) {
      Error(CheckProblem::kPackData, name + " cannot be read: " + st.message());
      return;
    }
    std::string actual = HexEncode(verifier.Digest());
    if (actual != id) {
      Error(CheckProblem::kPackData,
            name + " does not hash to its name (SHA-256 is " + actual +
                "; damaged pack)");
    }
  }

  void CompareHeader(const std::string& name,
                     const std::vector<repo::PackedBlob>& header,
                     const IndexedPack& indexed) {
    int listed = 0, more = 0;
    auto mismatch = [&](std::string m) {
      if (listed++ < kMaxMismatchesListed) {
        Error(CheckProblem::kPackMismatch, std::move(m));
      } else {
        ++more;
      }
    };
    std::set<BlobKey> in_header;
    for (const repo::PackedBlob& b : header) {
      in_header.insert(KeyOf(b));
      if (!indexed.keys.count(KeyOf(b))) {
        mismatch(name + ": header lists " + Describe(b) +
                 ", which the index does not have there");
      }
    }
    for (const repo::PackedBlob& b : indexed.blobs) {
      if (!in_header.count(KeyOf(b))) {
        mismatch(name + ": the index lists " + Describe(b) +
                 ", which the pack header does not have");
      }
    }
    if (more > 0) {
      Error(CheckProblem::kPackMismatch,
            name + ": " + std::to_string(more) +
                " more mismatches between the pack header and the index");
    }
  }

  Result<std::string> LoadBlob(const repo::IndexEntry& e) {
    StringSink stored;
    VK_RETURN_IF_ERROR(storage_.Get(repo::PackKey(e.pack_id), e.blob.offset,
                                    e.blob.length, stored));
    Read(stored.data().size());
    auto plain = repo::OpenBlob(repo_.key(), e.blob, AsBytes(stored.data()));
    if (!plain.ok()) return plain.status().WithContext("pack " + e.pack_id);
    return plain;
  }

  Status CheckSnapshots() {
    return ForEachIdFile(
        repo::kSnapshotsDir, &report_.snapshots,
        [&](const storage::ObjectInfo& f, const std::string& id) {
          auto json = LoadUnpacked(f, repo::kSnapshotsDir, id,
                                   CheckProblem::kSnapshotFile);
          if (!json) return;
          auto snap = repo::DecodeSnapshotFile(*json);
          if (!snap.ok()) {
            Error(CheckProblem::kSnapshotFile, Named(f.key, snap.status()));
            return;
          }
          WalkSnapshot(id, snap->tree);
        });
  }

  void WalkSnapshot(const std::string& snap, const Sha256Digest& root) {
    struct Pending {
      Sha256Digest tree;
      std::string path;
      size_t depth;
    };
    std::vector<Pending> stack{{root, "/", 0}};
    const std::string where = "snapshot " + snap + " path ";
    while (!stack.empty()) {
      Pending p = std::move(stack.back());
      stack.pop_back();
      std::string tree_hex = HexEncode(p.tree);
      if (!trees_seen_.insert(tree_hex).second) continue;
      std::optional<repo::IndexEntry> e = index_.Find(BlobType::kTree, p.tree);
      if (!e) {
        Error(CheckProblem::kTree, "tree " + tree_hex + " referenced by " +
                                       where + p.path + " is not in the index");
        continue;
      }
      auto text = LoadBlob(*e);
      if (!text.ok()) {
        Error(CheckProblem::kTree,
              "tree " + tree_hex + " (" + where + p.path +
                  ") cannot be loaded: " + text.status().message());
        continue;
      }
      auto nodes = repo::DecodeTree(*text);
      if (!nodes.ok()) {
        Error(CheckProblem::kTree,
              "tree " + tree_hex + " (" + where + p.path +
                  ") is malformed: " + nodes.status().message());
        continue;
      }
      ++report_.trees;
      for (const repo::Node& n : *nodes) {
        std::string path = (p.path == "/" ? "" : p.path) + "/" + n.name;
        if (n.type == "file") {
          if (!n.content) {
            Error(CheckProblem::kTree, "file " + path + " in snapshot " + snap +
                                           " has no content list (null)");
            continue;
          }
          for (const Sha256Digest& blob : *n.content) {
            std::string hex = HexEncode(blob);
            if (!data_seen_.insert(hex).second) continue;
            ++report_.data_blobs_referenced;
            if (!index_.Has(BlobType::kData, blob)) {
              Error(CheckProblem::kBlobMissing,
                    "blob " + hex + " referenced by " + where + path +
                        " is not in the index");
            }
          }
        } else if (n.type == "dir") {
          if (!n.subtree) {
            Error(CheckProblem::kTree, "directory " + path + " in snapshot " +
                                           snap + " has no subtree");
          } else if (p.depth + 1 > kMaxTreeDepth) {
            Error(CheckProblem::kTree, "tree " + tree_hex + " (" + where +
                                           p.path + ") nests deeper than " +
                                           std::to_string(kMaxTreeDepth) +
                                           " levels");
          } else {
            stack.push_back({*n.subtree, path, p.depth + 1});
          }
        }
      }
    }
  }

  repo::Repository& repo_;
  storage::Storage& storage_;
  const CheckOptions& options_;
  CheckReport report_;
  repo::Index index_;                         // first location of each blob
  std::map<std::string, IndexedPack> packs_;  // by pack ID
  std::unordered_set<std::string> trees_seen_, data_seen_;
};

}  // namespace

size_t CheckReport::Count(CheckProblem kind) const {
  return std::count(error_kinds.begin(), error_kinds.end(), kind);
}

Result<CheckReport> CheckRepository(repo::Repository& repo,
                                    const CheckOptions& options) {
  return Checker(repo, options).Run();
}

}  // namespace vk::backup
