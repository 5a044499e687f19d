// vaultkeep inspect FILE|-: what `vault operator raft snapshot inspect`
// shows (same table, same JSON shape), plus the raft configuration and the
// seal state. The archive is fully verified while it is read, as Vault's
// command does; a missing SHA256SUMS.sealed is reported, not an error.
#include <nlohmann/json.hpp>

#include "kit/snapshot/kv_stats.h"
#include "vaultkeep/cli/archive_input.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/tabwriter.h"

namespace vk::cli {
namespace {

struct InspectOptions {
  std::string file;
  int depth = 2;
  std::string filter;
  std::string format = "table";
};

class StatsVisitor : public snapshot::ArchiveVisitor {
 public:
  explicit StatsVisitor(snapshot::KvStats* stats) : stats_(stats) {}
  Status OnRecord(const snapshot::StateRecord& r) override {
    stats_->Add(r);
    return Status::Ok();
  }

 private:
  snapshot::KvStats* stats_;
};

std::string SealedSummary(const snapshot::ArchiveInfo& info) {
  if (!info.sealed) return "no (SHA256SUMS.sealed is absent)";
  if (info.sealed->empty()) return "no (SHA256SUMS.sealed is empty)";
  std::string s = "yes (SHA256SUMS.sealed, " +
                  std::to_string(info.sealed->size()) + " bytes";
  if (info.sealed_blob) {
    s += ", BlobInfo with " +
         std::to_string(info.sealed_blob->ciphertext.size()) +
         "-byte ciphertext";
    if (info.sealed_blob->wrapped) s += ", wrapped";
  } else {
    s += ", not a single-seal BlobInfo";
  }
  return s + ")";
}

std::string RenderTable(const snapshot::ArchiveInfo& info,
                        const snapshot::KvStats& stats) {
  const auto& m = info.meta;
  std::string t = " ID\t" + m.id + "\n Size\t" + std::to_string(m.size) +
                  "\n Index\t" + std::to_string(m.index) + "\n Term\t" +
                  std::to_string(m.term) + "\n Version\t" +
                  std::to_string(m.version) + "\n";
  auto rows = stats.Sorted();
  if (!rows.empty()) {
    t += "\n\n Key Name\tCount\tSize\n ----\t----\t----";
    for (const auto& r : rows) {
      t += "\n " + r.name + "\t" + std::to_string(r.count) + "\t" +
           VaultByteSize(r.size);
    }
    t += "\n ----\t----\n Total Size\t\t" + VaultByteSize(stats.total_size());
  }
  std::string out = Tabulate(t) + "\n";

  // vaultkeep's additions, below Vault's table.
  std::string x = "\n Raft Configuration\n";
  if (m.servers && !m.servers->empty()) {
    x += " Node ID\tAddress\tSuffrage\n ----\t----\t----\n";
    for (const auto& s : *m.servers) {
      x += " " + s.id + "\t" + s.address + "\t" +
           snapshot::SuffrageName(s.suffrage) + "\n";
    }
  } else {
    x += " (no servers recorded)\n";
  }
  std::string y = "\n Configuration Index\t" +
                  std::to_string(m.configuration_index) + "\n Sealed\t" +
                  SealedSummary(info) + "\n Records\t" +
                  std::to_string(info.records) + "\n Compressed\t" +
                  HumanBytes(info.compressed_size) + "\n";
  return out + Tabulate(x) + Tabulate(y);
}

std::string RenderJson(const snapshot::ArchiveInfo& info,
                       const snapshot::KvStats& stats) {
  using J = nlohmann::ordered_json;
  const auto& m = info.meta;
  J j;
  j["Meta"] = {{"ID", m.id},
               {"Size", m.size},
               {"Index", m.index},
               {"Term", m.term},
               {"Version", m.version}};
  auto rows = stats.Sorted();
  if (rows.empty()) {
    j["StatsKV"] = nullptr;
  } else {
    j["StatsKV"] = J::array();
    for (const auto& r : rows) {
      j["StatsKV"].push_back(
          {{"Name", r.name}, {"Count", r.count}, {"Size", r.size}});
    }
  }
  j["TotalCountKV"] = stats.total_count();
  j["TotalSizeKV"] = stats.total_size();
  // Extensions (extra keys only).
  J servers = J::array();
  if (m.servers) {
    for (const auto& s : *m.servers) {
      servers.push_back({{"ID", s.id},
                         {"Address", s.address},
                         {"Suffrage", snapshot::SuffrageName(s.suffrage)}});
    }
  }
  j["Configuration"] = {{"Index", m.configuration_index}, {"Servers", servers}};
  j["Sealed"] = info.sealed.has_value() && !info.sealed->empty();
  if (info.sealed_blob) {
    j["SealedBlob"] = {{"Bytes", info.sealed->size()},
                       {"CiphertextBytes", info.sealed_blob->ciphertext.size()},
                       {"Wrapped", info.sealed_blob->wrapped}};
  }
  j["Records"] = info.records;
  j["CompressedSize"] = info.compressed_size;
  j["Entries"] = info.entry_order;
  return j.dump(2) + "\n";
}

Status RunInspect(const InspectOptions& o) {
  if (o.depth < 0) {
    return InvalidArgument("Depth must be equal to or greater than 0");
  }
  VK_ASSIGN_OR_RETURN(Format format, ParseFormat(o.format));
  snapshot::KvStats stats(o.depth, o.filter);
  StatsVisitor visitor(&stats);
  snapshot::ReadOptions ro;
  ro.require_sealed = false;  // reported instead
  VK_ASSIGN_OR_RETURN(snapshot::ArchiveInfo info,
                      ReadArchiveFile(o.file, ro, &visitor));
  PrintOut(format == Format::kJson ? RenderJson(info, stats)
                                   : RenderTable(info, stats));
  return Status::Ok();
}

}  // namespace

void RegisterInspect(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand(
      "inspect",
      "Show a snapshot's metadata, key-prefix breakdown, raft configuration "
      "and seal state (like `vault operator raft snapshot inspect`).");
  cmd->add_option("file", o->file, "Snapshot file, or - for standard input")
      ->required();
  cmd->add_option("--depth", o->depth,
                  "Key prefix depth for the breakdown; 0 lists whole keys")
      ->capture_default_str();
  cmd->add_option("--filter", o->filter,
                  "Only count keys that start with this prefix");
  cmd->add_option("--format", o->format, "Output: table or json")
      ->capture_default_str();
  cmd->callback([o, ctx] { ctx->action = [o] { return RunInspect(*o); }; });
}

}  // namespace vk::cli
