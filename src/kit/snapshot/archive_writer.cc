#include "kit/snapshot/archive_writer.h"

#include <chrono>
#include <vector>

#include "kit/snapshot/archive_reader.h"

namespace vk::snapshot {

Result<std::unique_ptr<ArchiveWriter>> ArchiveWriter::Create(
    ByteSink* out, WriteOptions options) {
  VK_ASSIGN_OR_RETURN(auto gz, GzipSink::Create(out, options.gzip_level));
  tar::WriterOptions topt;
  topt.max_octal_size = options.max_octal_size;
  if (options.mtime >= 0) {
    topt.mtime = options.mtime;
  } else {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    topt.mtime = (ms + 500) / 1000;  // Go rounds to the nearest second
  }
  return std::unique_ptr<ArchiveWriter>(new ArchiveWriter(std::move(gz), topt));
}

ArchiveWriter::ArchiveWriter(std::unique_ptr<GzipSink> gz,
                             tar::WriterOptions topt)
    : gz_(std::move(gz)), tar_(gz_.get(), topt) {}

Status ArchiveWriter::SmallEntry(const char* name, std::string_view data) {
  if (data.size() >= kSmallEntryLimit) {
    return InvalidArgument(std::string(name) + " must be smaller than 8 KiB");
  }
  VK_RETURN_IF_ERROR(tar_.BeginEntry(name, data.size()));
  VK_RETURN_IF_ERROR(tar_.WriteData(AsBytes(data)));
  return tar_.EndEntry();
}

Status ArchiveWriter::WriteMeta(std::string_view meta_json) {
  VK_CHECK(stage_ == Stage::kMeta);
  VK_ASSIGN_OR_RETURN(SnapshotMeta meta, ParseMeta(meta_json));
  VK_RETURN_IF_ERROR(SmallEntry(kMetaName, meta_json));
  hashes_[kMetaName] = Sha256::Of(AsBytes(meta_json));
  state_size_ = static_cast<uint64_t>(meta.size);
  VK_RETURN_IF_ERROR(tar_.BeginEntry(kStateName, state_size_));
  state_open_ = true;
  stage_ = Stage::kState;
  return Status::Ok();
}

Status ArchiveWriter::WriteState(ByteSpan data) {
  VK_CHECK(stage_ == Stage::kState && state_open_);
  state_hash_.Update(data);
  return tar_.WriteData(data);
}

Status ArchiveWriter::WriteStateFrom(ByteSource& source) {
  std::vector<uint8_t> buf(256 * 1024);
  for (;;) {
    VK_ASSIGN_OR_RETURN(size_t n, source.Read(buf));
    if (n == 0) return Status::Ok();
    VK_RETURN_IF_ERROR(WriteState(ByteSpan(buf.data(), n)));
  }
}

Status ArchiveWriter::EndState() {
  VK_CHECK(stage_ == Stage::kState && state_open_);
  state_open_ = false;
  VK_RETURN_IF_ERROR(
      tar_.EndEntry().WithContext("state.bin vs meta.json Size"));
  hashes_[kStateName] = state_hash_.Finish();
  stage_ = Stage::kSums;
  return Status::Ok();
}

Status ArchiveWriter::WriteSums(std::optional<std::string_view> sums) {
  VK_CHECK(stage_ == Stage::kSums);
  if (sums) {
    VK_ASSIGN_OR_RETURN(HashList listed, ParseHashList(*sums));
    VK_RETURN_IF_ERROR(VerifyHashList(listed, hashes_));
    sums_ = std::string(*sums);
  } else {
    sums_ = EncodeHashList(hashes_);
  }
  VK_RETURN_IF_ERROR(SmallEntry(kSumsName, sums_));
  stage_ = Stage::kSealed;
  return Status::Ok();
}

Status ArchiveWriter::WriteSealed(std::string_view sealed) {
  VK_CHECK(stage_ == Stage::kSealed);
  VK_RETURN_IF_ERROR(SmallEntry(kSealedName, sealed));
  stage_ = Stage::kDone;
  return Status::Ok();
}

Status ArchiveWriter::Finish() {
  VK_CHECK(stage_ == Stage::kSealed || stage_ == Stage::kDone);
  VK_RETURN_IF_ERROR(tar_.Finish());
  stage_ = Stage::kDone;
  return gz_->Close();
}

}  // namespace vk::snapshot
