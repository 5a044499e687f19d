#include "kit/snapshot/archive_reader.h"

#include <memory>
#include <set>

#include "kit/base/read_ahead.h"
#include "kit/base/strings.h"
#include "kit/crypto/sha256.h"
#include "kit/snapshot/tar.h"

namespace vk::snapshot {
namespace {

constexpr size_t kStateBuffer = 256 * 1024;

bool IsKnownEntry(const std::string& name) {
  return name == kMetaName || name == kStateName || name == kSumsName ||
         name == kSealedName;
}

Status CheckSize(const SnapshotMeta& meta, uint64_t state_size) {
  if (static_cast<uint64_t>(meta.size) == state_size) return Status::Ok();
  return Corruption("meta.json says state.bin is " + std::to_string(meta.size) +
                    " bytes but the archive's state.bin is " +
                    std::to_string(state_size) + " bytes");
}

std::string JoinNames(const std::vector<std::string>& names) {
  if (names.empty()) return "no entries";
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

Result<std::string> ReadSmallEntry(tar::Reader& tr, const tar::Entry& e) {
  if (e.size >= kSmallEntryLimit) {
    return Corruption(e.name + " is " + std::to_string(e.size) +
                      " bytes; Vault reads at most " +
                      std::to_string(kSmallEntryLimit - 1) +
                      " bytes of it (read max specified bytes (8192) without "
                      "EOF - possible truncation)");
  }
  std::string data(static_cast<size_t>(e.size), '\0');
  VK_ASSIGN_OR_RETURN(
      size_t got,
      ReadFully(tr, MutableByteSpan(reinterpret_cast<uint8_t*>(data.data()),
                                    data.size())));
  VK_CHECK(got == data.size());  // a short entry is a Read error, not EOF
  return data;
}

}  // namespace

Result<ArchiveInfo> ReadArchive(ByteSource& compressed,
                                const ReadOptions& options,
                                ArchiveVisitor* visitor) {
  ArchiveVisitor no_op;
  if (visitor == nullptr) visitor = &no_op;
  std::unique_ptr<GzipSource> gz =
      GzipSource::Create(&compressed, options.engine);
  std::unique_ptr<ReadAheadSource> ahead;
  ByteSource* plain = gz.get();
  if (options.read_ahead) {
    ahead = std::make_unique<ReadAheadSource>(gz.get());
    plain = ahead.get();
  }
  tar::Reader tr(plain);
  ArchiveInfo info;
  std::set<std::string> seen;
  std::optional<uint64_t> state_entry_size;
  Sha256 hasher;
  std::vector<uint8_t> buf;

  for (;;) {
    VK_ASSIGN_OR_RETURN(std::optional<tar::Entry> entry, tr.Next());
    if (!entry) break;
    const tar::Entry& e = *entry;
    if (!IsKnownEntry(e.name)) {
      return Corruption("unexpected file " + Quote(e.name) +
                        " in snapshot (a Vault snapshot holds only meta.json, "
                        "state.bin, SHA256SUMS and SHA256SUMS.sealed)");
    }
    if (!e.is_regular()) {
      return Corruption("snapshot entry " + Quote(e.name) + " is " +
                        tar::DescribeType(e.typeflag) + ", not a regular file");
    }
    if (!seen.insert(e.name).second) {
      return Corruption("snapshot entry " + Quote(e.name) + " appears twice");
    }
    if (info.entry_order.empty()) info.mtime = e.mtime;
    info.entry_order.push_back(e.name);

    if (e.name == kStateName) {
      // With meta.json first (Vault's order) a size mismatch is known now;
      // say so before streaming a state.bin that cannot be right.
      if (seen.count(kMetaName))
        VK_RETURN_IF_ERROR(CheckSize(info.meta, e.size));
      state_entry_size = e.size;
      VK_RETURN_IF_ERROR(visitor->OnStateBegin(e.size));
      RecordScanner scanner(
          e.size, options.records,
          [visitor](const StateRecord& r) { return visitor->OnRecord(r); });
      buf.resize(kStateBuffer);
      for (;;) {
        VK_ASSIGN_OR_RETURN(size_t n, tr.Read(buf));
        if (n == 0) break;
        ByteSpan piece(buf.data(), n);
        hasher.Update(piece);
        VK_RETURN_IF_ERROR(scanner.Feed(piece));
        VK_RETURN_IF_ERROR(visitor->OnStateData(piece));
      }
      VK_RETURN_IF_ERROR(scanner.Finish());
      info.hashes[kStateName] = hasher.Finish();
      info.state_size = e.size;
      info.records = scanner.records();
      continue;
    }

    VK_ASSIGN_OR_RETURN(std::string data, ReadSmallEntry(tr, e));
    VK_RETURN_IF_ERROR(visitor->OnSmallEntry(e.name, data));
    if (e.name == kMetaName) {
      info.hashes[kMetaName] = Sha256::Of(AsBytes(data));
      VK_ASSIGN_OR_RETURN(info.meta, ParseMeta(data));
      info.meta_json = std::move(data);
    } else if (e.name == kSumsName) {
      info.sums = std::move(data);
    } else {
      info.sealed = std::move(data);
    }
  }
  // Past the end marker only zero padding may follow; reading it to the end
  // also makes the gzip layer check its trailer and what follows it.
  VK_RETURN_IF_ERROR(tr.ExpectOnlyPadding());
  info.tar_size = tr.offset();
  info.compressed_size = gz->compressed_bytes();
  info.gzip_members = gz->members();

  for (const char* required : {kMetaName, kStateName, kSumsName}) {
    if (!seen.count(required)) {
      return Corruption(std::string("snapshot has no ") + required +
                        " entry (found: " + JoinNames(info.entry_order) + ")");
    }
  }
  VK_RETURN_IF_ERROR(CheckSize(info.meta, *state_entry_size));
  VK_ASSIGN_OR_RETURN(HashList listed, ParseHashList(info.sums));
  VK_RETURN_IF_ERROR(VerifyHashList(listed, info.hashes));

  if (!info.sealed) {
    if (options.require_sealed) {
      return Corruption(
          "snapshot has no SHA256SUMS.sealed entry: Vault writes it last, so "
          "the transfer was probably cut short (pass --allow-unsealed for "
          "archives made without seal access)");
    }
  } else if (info.sealed->empty()) {
    if (options.require_sealed) {
      return Corruption("SHA256SUMS.sealed is empty (incomplete snapshot)");
    }
  } else {
    auto blob = ParseBlobInfo(*info.sealed);
    if (blob.ok()) info.sealed_blob = std::move(*blob);
  }
  return info;
}

}  // namespace vk::snapshot
