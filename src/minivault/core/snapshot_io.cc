#include "minivault/core/snapshot_io.h"

#include "kit/snapshot/archive_reader.h"
#include "kit/snapshot/archive_writer.h"
#include "kit/snapshot/hash_list.h"
#include "kit/snapshot/sealed.h"

namespace vk::minivault {
namespace {

// Forwards state.bin into the pending restore as the reader verifies it.
class RestoreVisitor : public snapshot::ArchiveVisitor {
 public:
  RestoreVisitor(fsm::Store& store) : store_(store) {}

  Status OnStateBegin(uint64_t size) override {
    auto pending = store_.BeginRestore(size);
    if (!pending.ok()) return pending.status();
    pending_ = std::move(pending).value();
    return Status::Ok();
  }
  Status OnStateData(ByteSpan data) override { return pending_->Feed(data); }

  std::unique_ptr<fsm::Store::PendingRestore> pending_;

 private:
  fsm::Store& store_;
};

}  // namespace

Status WriteArchive(fsm::Store::Snapshot& snap, std::string_view kek,
                    ByteSink& out) {
  auto writer = snapshot::ArchiveWriter::Create(&out, {});
  if (!writer.ok()) return writer.status();
  auto& w = *writer.value();
  if (Status s = w.WriteMeta(snapshot::EncodeMeta(snap.meta())); !s.ok())
    return s;
  // The writer hashes and counts state.bin; a sink adapter feeds it.
  if (Status s = snap.WriteState(w.state_sink()); !s.ok()) return s;
  if (Status s = w.EndState(); !s.ok()) return s;
  if (Status s = w.WriteSums(); !s.ok()) return s;
  auto sealed = snapshot::SealWithKek(kek, w.sums(), /*wrapped=*/true);
  if (!sealed.ok()) return sealed.status();
  if (Status s = w.WriteSealed(sealed.value()); !s.ok()) return s;
  return w.Finish();
}

Result<StagedRestore> StageRestore(fsm::Store& store, ByteSource& body,
                                   std::string_view kek, bool force) {
  RestoreVisitor visitor(store);
  snapshot::ReadOptions options;
  options.require_sealed = false;  // its absence is judged below
  auto info = snapshot::ReadArchive(body, options, &visitor);
  if (!info.ok()) {
    return Status(info.status().code(),
                  "failed to read snapshot file: " + info.status().message());
  }
  if (info.value().meta.version != 0 && info.value().meta.version != 1)
    return Corruption("unsupported snapshot version");
  if (!visitor.pending_)
    return Corruption("failed to read snapshot file: no state.bin");
  if (!force) {
    if (!info.value().sealed) return PermissionDenied(kSealedHashesMismatch);
    auto opened = snapshot::OpenWithKek(kek, *info.value().sealed);
    if (!opened.ok()) return PermissionDenied(kSealedHashesMismatch);
    auto listed = snapshot::ParseHashList(opened.value());
    if (!listed.ok()) return PermissionDenied(kSealedHashesMismatch);
    if (Status s = snapshot::VerifyHashList(listed.value(), info.value().hashes,
                                            "SHA256SUMS.sealed");
        !s.ok()) {
      return Corruption("failed to read snapshot file: " + s.message());
    }
  }
  if (Status s = visitor.pending_->Finish(); !s.ok()) return s;
  return StagedRestore{std::move(visitor.pending_), info.value().meta};
}

}  // namespace vk::minivault
