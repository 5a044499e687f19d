// gen-snapshot: writes realistic Vault-like raft snapshot archives for tests
// and benchmarks. See generator.h for what the archives contain.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "generator.h"
#include "kit/base/exit_code.h"
#include "kit/crypto/sha256.h"
#include "kit/env/file.h"

namespace {

vk::Result<uint64_t> ParseSize(const std::string& s) {
  if (s.empty()) return uint64_t{0};
  size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &pos);
  } catch (...) {
    return vk::InvalidArgument("bad size \"" + s + "\"");
  }
  std::string unit = s.substr(pos);
  uint64_t mul = 1;
  if (unit == "K" || unit == "KiB")
    mul = 1ULL << 10;
  else if (unit == "M" || unit == "MiB")
    mul = 1ULL << 20;
  else if (unit == "G" || unit == "GiB")
    mul = 1ULL << 30;
  else if (!unit.empty())
    return vk::InvalidArgument("bad size unit \"" + unit + "\"");
  return v * mul;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "gen-snapshot: write a realistic Vault-like raft snapshot "
      "archive, or derive the next day's from a previous one",
      "gen-snapshot"};
  std::string out_path, size_str, from, kek_out;
  vk::gen::GenerateOptions g;
  vk::gen::DeriveOptions d;
  bool unsealed = false;
  app.add_option("-o,--out", out_path, "Output file, or - for stdout")
      ->required();
  app.add_option("--seed", g.archive.seed, "Seed; same seed, same archive")
      ->capture_default_str();
  app.add_option("--records", g.records, "Number of variable records");
  app.add_option("--size", size_str, "Target state.bin size (e.g. 64M, 1G)");
  app.add_option("--gzip-level", g.archive.gzip_level, "0..9")
      ->capture_default_str();
  app.add_option("--nodes", g.archive.nodes, "Raft servers in meta.json")
      ->capture_default_str();
  app.add_option("--time", g.archive.mtime, "Tar mtime (unix seconds)")
      ->capture_default_str();
  app.add_flag("--unsealed", unsealed, "Leave out SHA256SUMS.sealed");
  app.add_option("--kek-out", kek_out,
                 "Write the hex Shamir KEK that seals the archive here (0600)");
  app.add_option("--from", from, "Derive from this previous archive");
  app.add_option("--rewrite", d.rewrite_pct,
                 "With --from: % of records rewritten")
      ->capture_default_str();
  app.add_option("--insert", d.insert_pct, "With --from: % of records inserted")
      ->capture_default_str();
  app.add_option("--delete", d.delete_pct, "With --from: % of records deleted")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : vk::kExitUsage;
  }
  g.archive.sealed = !unsealed;
  auto fail = [](const vk::Status& s) {
    std::fprintf(stderr, "gen-snapshot: error: %s\n", s.message().c_str());
    return vk::ExitCodeFor(s);
  };
  auto size = ParseSize(size_str);
  if (!size.ok()) return fail(size.status());
  g.target_bytes = *size;
  if (from.empty() && g.records == 0 && g.target_bytes == 0) {
    return fail(vk::InvalidArgument("give --records, --size or --from"));
  }
  auto out = vk::OpenOutput(out_path);
  if (!out.ok()) return fail(out.status());
  vk::Result<vk::gen::GenerateResult> r = vk::Internal("unreachable");
  if (from.empty()) {
    r = vk::gen::Generate(g, out->get());
  } else {
    d.archive = g.archive;
    d.previous = from;
    r = vk::gen::Derive(d, out->get());
  }
  if (!r.ok()) return fail(r.status());
  if (vk::Status s = (*out)->Close(); !s.ok()) return fail(s);
  if (!kek_out.empty()) {
    std::string hex =
        vk::HexEncode(vk::AsBytes(vk::gen::KekForSeed(g.archive.seed)));
    if (vk::Status s = vk::WriteFileAtomic(kek_out, hex + "\n", 0600);
        !s.ok()) {
      return fail(s);
    }
  }
  std::fprintf(stderr,
               "gen-snapshot: %llu records, state.bin %llu bytes, index %llu"
               " (rewritten %llu, inserted %llu, deleted %llu)\n",
               static_cast<unsigned long long>(r->records),
               static_cast<unsigned long long>(r->state_bytes),
               static_cast<unsigned long long>(r->index),
               static_cast<unsigned long long>(r->rewritten),
               static_cast<unsigned long long>(r->inserted),
               static_cast<unsigned long long>(r->deleted));
  return 0;
}
