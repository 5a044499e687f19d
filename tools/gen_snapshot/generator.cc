#include "generator.h"

#include <functional>
#include <queue>
#include <vector>

#include "kit/env/file.h"
#include "kit/snapshot/archive_reader.h"
#include "kit/snapshot/archive_writer.h"
#include "kit/snapshot/records.h"
#include "kit/snapshot/sealed.h"
#include "vault_layout.h"

namespace vk::gen {
namespace {

using snapshot::ArchiveWriter;
using EmitFn = std::function<Status(std::string_view, std::string_view)>;

// Batches records into ~1 MiB writes to the archive writer.
class StateBuffer {
 public:
  explicit StateBuffer(ArchiveWriter* w) : w_(w) {}
  Status Add(std::string_view key, std::string_view value) {
    snapshot::AppendRecord(&buf_, key, value);
    if (buf_.size() >= (1 << 20)) return Flush();
    return Status::Ok();
  }
  Status Flush() {
    Status s = w_->WriteState(AsBytes(buf_));
    buf_.clear();
    return s;
  }

 private:
  ArchiveWriter* w_;
  std::string buf_;
};

std::vector<snapshot::RaftServer> Servers(int nodes) {
  std::vector<snapshot::RaftServer> out;
  for (int i = 0; i < nodes; ++i) {
    out.push_back({0, "node" + std::to_string(i + 1),
                   "127.0.0.1:" + std::to_string(8201 + 10 * i)});
  }
  return out;
}

// Runs `walk` twice: first counting (for meta.json's Size), then writing.
// `meta_of` builds meta.json (minus Size) from what the counting pass saw.
Result<GenerateResult> WriteArchive(
    const ArchiveSettings& a,
    const std::function<Result<GenerateResult>(const EmitFn&)>& walk,
    const std::function<snapshot::SnapshotMeta(const GenerateResult&)>& meta_of,
    ByteSink* out) {
  uint64_t size = 0;
  VK_ASSIGN_OR_RETURN(GenerateResult counted,
                      walk([&](std::string_view k, std::string_view v) {
                        size += snapshot::RecordSize(k.size(), v.size());
                        return Status::Ok();
                      }));
  snapshot::SnapshotMeta meta = meta_of(counted);
  meta.size = static_cast<int64_t>(size);
  meta.configuration_index = 1;
  VK_ASSIGN_OR_RETURN(auto w,
                      ArchiveWriter::Create(
                          out, {.gzip_level = a.gzip_level, .mtime = a.mtime}));
  VK_RETURN_IF_ERROR(w->WriteMeta(snapshot::EncodeMeta(meta)));
  StateBuffer buf(w.get());
  VK_ASSIGN_OR_RETURN(GenerateResult result,
                      walk([&](std::string_view k, std::string_view v) {
                        return buf.Add(k, v);
                      }));
  VK_RETURN_IF_ERROR(buf.Flush());
  VK_RETURN_IF_ERROR(w->EndState());
  // Vault writes the two SHA256SUMS lines in random order; so do we, by seed.
  std::string sums = snapshot::EncodeHashList(w->hashes());
  if (a.seed & 1) {
    size_t nl = sums.find('\n');
    sums = sums.substr(nl + 1) + sums.substr(0, nl + 1);
  }
  VK_RETURN_IF_ERROR(w->WriteSums(sums));
  if (a.sealed) {
    Rng nonce_rng(Mix(a.seed, 0x6e6f6e6365));
    std::string nonce;
    nonce_rng.Fill(&nonce, 12);
    VK_ASSIGN_OR_RETURN(std::string sealed,
                        snapshot::SealWithKek(KekForSeed(a.seed), sums,
                                              /*wrapped=*/true, nonce));
    VK_RETURN_IF_ERROR(w->WriteSealed(sealed));
  }
  VK_RETURN_IF_ERROR(w->Finish());
  result.state_bytes = size;
  result.index = meta.index;
  return result;
}

}  // namespace

std::string KekForSeed(uint64_t seed) {
  Rng rng(Mix(seed, 0x4b454b));
  std::string kek;
  rng.Fill(&kek, 32);
  return kek;
}

Result<GenerateResult> Generate(const GenerateOptions& o, ByteSink* out) {
  uint64_t n = o.records;
  if (n == 0) {
    if (o.target_bytes == 0) {
      return InvalidArgument("give a record count or a target size");
    }
    n = static_cast<uint64_t>(static_cast<double>(o.target_bytes) /
                              EstimatedRecordSize());
  }
  auto walk = [&](const EmitFn& emit) -> Result<GenerateResult> {
    GenerateResult r;
    Status st;
    ForEachRecord(o.archive.seed, n,
                  [&](std::string_view k, std::string_view v) {
                    if (st.ok()) st = emit(k, v);
                    ++r.records;
                  });
    if (!st.ok()) return st;
    return r;
  };
  return WriteArchive(
      o.archive, walk,
      [&](const GenerateResult& r) {
        snapshot::SnapshotMeta meta;
        meta.term = 2 + o.archive.seed % 5;
        meta.index = 40 + 3 * r.records;
        meta.servers = Servers(o.archive.nodes);
        return meta;
      },
      out);
}

Result<GenerateResult> Derive(const DeriveOptions& o, ByteSink* out) {
  for (double p : {o.rewrite_pct, o.insert_pct, o.delete_pct}) {
    if (p < 0 || p > 100) return InvalidArgument("percentages must be 0..100");
  }
  if (o.delete_pct + o.rewrite_pct > 100) {
    return InvalidArgument("--delete plus --rewrite cannot exceed 100%");
  }
  snapshot::SnapshotMeta prev_meta;  // filled by each walk
  const uint64_t seed = o.archive.seed;
  auto unit = [](uint64_t h) { return (h >> 11) * (1.0 / 9007199254740992.0); };

  class Visitor : public snapshot::ArchiveVisitor {
   public:
    std::function<Status(const snapshot::StateRecord&)> on_record;
    Status OnRecord(const snapshot::StateRecord& r) override {
      return on_record(r);
    }
  };

  auto walk = [&](const EmitFn& emit) -> Result<GenerateResult> {
    GenerateResult r;
    std::priority_queue<std::string, std::vector<std::string>,
                        std::greater<std::string>>
        pending;
    std::string value;
    auto emit_new = [&](const std::string& key) {
      Rng rng(HashKey(seed ^ 0x1a5e27, key));
      value.clear();
      AppendBarrierValue(rng, 150 + rng.Below(900), &value);
      ++r.inserted;
      ++r.records;
      return emit(key, value);
    };
    Visitor v;
    v.on_record = [&](const snapshot::StateRecord& rec) -> Status {
      std::string key(rec.key);
      while (!pending.empty() && pending.top() < key) {
        VK_RETURN_IF_ERROR(emit_new(pending.top()));
        pending.pop();
      }
      if (!pending.empty() && pending.top() == key) pending.pop();
      uint64_t h = HashKey(seed, key);
      double u = unit(h) * 100;
      // Insertions: a fresh key in the same directory, placed after this one.
      if (unit(Mix(h, 7)) * 100 < 2 * o.insert_pct) {
        size_t slash = key.rfind('/');
        std::string tail =
            key.substr(slash == std::string::npos ? 0 : slash + 1);
        if (tail.size() >= 16) {
          Rng rng(Mix(h, 11));
          std::string fresh = key.substr(0, key.size() - tail.size());
          rng.Hex(&fresh, tail.size());
          if (fresh > key) pending.push(std::move(fresh));
        }
      }
      if (u < o.delete_pct) {
        ++r.deleted;
        return Status::Ok();
      }
      ++r.records;
      if (u < o.delete_pct + o.rewrite_pct) {
        ++r.rewritten;
        Rng rng(Mix(h, 13));
        value.assign(AsChars(rec.value));
        size_t keep = value.size() >= 5 ? 5 : 0;  // term + version byte
        value.resize(keep);
        rng.Fill(&value, rec.value.size() - keep);
        return emit(key, value);
      }
      return emit(key, AsChars(rec.value));
    };
    VK_ASSIGN_OR_RETURN(auto file, FileSource::Open(o.previous));
    snapshot::ReadOptions ro;
    ro.require_sealed = false;
    ro.records.keep_values = true;
    VK_ASSIGN_OR_RETURN(snapshot::ArchiveInfo info,
                        snapshot::ReadArchive(*file, ro, &v));
    while (!pending.empty()) {
      VK_RETURN_IF_ERROR(emit_new(pending.top()));
      pending.pop();
    }
    prev_meta = info.meta;
    return r;
  };
  // Term and servers carry over from the previous snapshot; the index moves
  // on by one raft entry per change, plus one.
  return WriteArchive(
      o.archive, walk,
      [&](const GenerateResult& r) {
        snapshot::SnapshotMeta meta;
        meta.term = prev_meta.term;
        meta.servers = prev_meta.servers;
        meta.index = prev_meta.index + r.rewritten + r.inserted + r.deleted + 1;
        return meta;
      },
      out);
}

}  // namespace vk::gen
