// vaultkeep verify FILE|-: exit 0 only for a complete archive that passes
// every check; otherwise one sentence naming what is wrong, exit 3 (or 2
// for a missing file, 5 for a local read error).
#include <chrono>
#include <nlohmann/json.hpp>

#include "kit/base/exit_code.h"
#include "vaultkeep/cli/archive_input.h"
#include "vaultkeep/cli/command.h"
#include "vaultkeep/cli/output.h"
#include "vaultkeep/cli/tabwriter.h"

namespace vk::cli {
namespace {

struct VerifyOptions {
  std::string file;
  bool allow_unsealed = false;
  std::string format = "text";
  std::string inflate = "zlib";
  bool single_thread = false;
};

Status RunVerify(const VerifyOptions& o, Context* ctx) {
  VK_ASSIGN_OR_RETURN(Format format, ParseFormat(o.format));
  VK_ASSIGN_OR_RETURN(InflateEngine engine, ParseInflateEngine(o.inflate));
  snapshot::ReadOptions ro;
  ro.require_sealed = !o.allow_unsealed;
  ro.engine = engine;
  ro.read_ahead = !o.single_thread;
  auto start = std::chrono::steady_clock::now();
  auto info = ReadArchiveFile(o.file, ro, nullptr);
  double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (format == Format::kJson) {
    nlohmann::ordered_json j;
    j["file"] = DisplayName(o.file);
    j["ok"] = info.ok();
    if (!info.ok()) {
      j["error"] = info.status().message();
      j["error_class"] = ErrorClassName(ClassOf(info.status().code()));
      j["exit_code"] = ExitCodeFor(info.status());
      PrintOut(j.dump(2) + "\n");
      ctx->error_reported = true;
      return info.status();
    }
    j["index"] = info->meta.index;
    j["term"] = info->meta.term;
    j["state_bytes"] = info->state_size;
    j["records"] = info->records;
    j["compressed_bytes"] = info->compressed_size;
    j["sealed"] = info->sealed.has_value() && !info->sealed->empty();
    j["sha256"] = {{"meta.json", HexEncode(info->hashes["meta.json"])},
                   {"state.bin", HexEncode(info->hashes["state.bin"])}};
    j["seconds"] = secs;
    PrintOut(j.dump(2) + "\n");
    return Status::Ok();
  }
  if (!info.ok()) return info.status();
  bool sealed = info->sealed.has_value() && !info->sealed->empty();
  PrintOut(DisplayName(o.file) + ": OK: complete Vault snapshot, index " +
           std::to_string(info->meta.index) + ", term " +
           std::to_string(info->meta.term) + ", " +
           std::to_string(info->records) + " records, state.bin " +
           HumanBytes(info->state_size) + ", SHA256SUMS verified, " +
           (sealed ? "SHA256SUMS.sealed present"
                   : "no SHA256SUMS.sealed (allowed)") +
           "\n");
  return Status::Ok();
}

}  // namespace

void RegisterVerify(CLI::App& app, Context* ctx) {
  auto o = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check that a Vault raft snapshot archive is complete and intact: gzip "
      "and tar structure, the exact entry set, meta.json, SHA256SUMS against "
      "the real bytes, every state.bin record, and SHA256SUMS.sealed.");
  cmd->add_option("file", o->file, "Snapshot file, or - for standard input")
      ->required();
  cmd->add_flag("--allow-unsealed", o->allow_unsealed,
                "Accept an archive without SHA256SUMS.sealed (made without "
                "seal access); by default its absence means truncation");
  cmd->add_option("--format", o->format, "Output: text or json")
      ->capture_default_str();
  cmd->add_option("--inflate", o->inflate,
                  "Inflate engine: zlib or isal (ISA-L igzip)")
      ->capture_default_str();
  cmd->add_flag("--single-thread", o->single_thread,
                "Inflate and hash on one thread (default: two)");
  cmd->callback(
      [o, ctx] { ctx->action = [o, ctx] { return RunVerify(*o, ctx); }; });
}

}  // namespace vk::cli
