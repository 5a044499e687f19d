// Where verify's time goes, stage by stage, on a Vault-like archive held in
// memory: inflate (ISA-L igzip vs zlib, at the gzip levels Vault and our
// writer use), SHA-256, the state.bin record scan, and the whole reader.
// The inflate numbers are the measurement behind
// docs/decisions/gzip-inflate.md. Run: build/bin/archive_bench
#include <benchmark/benchmark.h>

#include <map>
#include <vector>

#include "generator.h"
#include "kit/compress/gzip_source.h"
#include "kit/crypto/sha256.h"
#include "kit/snapshot/archive_reader.h"
#include "kit/snapshot/records.h"

namespace {

constexpr uint64_t kStateBytes = 48 << 20;

// One archive per gzip level, generated once.
const std::string& Archive(int level) {
  static std::map<int, std::string> cache;
  auto it = cache.find(level);
  if (it != cache.end()) return it->second;
  vk::StringSink out;
  vk::gen::GenerateOptions o;
  o.archive.gzip_level = level;
  o.target_bytes = kStateBytes;
  VK_CHECK(vk::gen::Generate(o, &out).ok());
  return cache[level] = out.data();
}

// Decompressed bytes of the level-6 archive, for the later stages.
const std::string& Tar() {
  static std::string tar = [] {
    vk::MemorySource src(Archive(6));
    auto gz = vk::GzipSource::Create(&src);
    vk::StringSink out;
    VK_CHECK(vk::Copy(*gz, out).ok());
    return out.data();
  }();
  return tar;
}

void BM_Inflate(benchmark::State& state) {
  auto engine = static_cast<vk::InflateEngine>(state.range(0));
  const std::string& gz = Archive(static_cast<int>(state.range(1)));
  std::vector<uint8_t> buf(256 << 10);
  uint64_t out_bytes = 0;
  for (auto _ : state) {
    vk::MemorySource src(gz);
    auto source = vk::GzipSource::Create(&src, engine);
    for (;;) {
      auto n = source->Read(buf);
      VK_CHECK(n.ok());
      if (*n == 0) break;
      out_bytes += *n;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(out_bytes));
  state.SetLabel(
      std::string(engine == vk::InflateEngine::kIsal ? "isal" : "zlib") +
      " level " + std::to_string(state.range(1)));
}
BENCHMARK(BM_Inflate)
    ->ArgsProduct({{static_cast<int>(vk::InflateEngine::kIsal),
                    static_cast<int>(vk::InflateEngine::kZlib)},
                   {1, 6, 9}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Sha256(benchmark::State& state) {
  const std::string& tar = Tar();
  for (auto _ : state) {
    vk::Sha256 h;
    for (size_t i = 0; i < tar.size(); i += 256 << 10) {
      h.Update(vk::AsBytes(std::string_view(tar).substr(i, 256 << 10)));
    }
    benchmark::DoNotOptimize(h.Finish());
  }
  state.SetBytesProcessed(
      static_cast<int64_t>(state.iterations() * tar.size()));
}
BENCHMARK(BM_Sha256)->Unit(benchmark::kMillisecond);

void BM_RecordScan(benchmark::State& state) {
  // state.bin starts after meta.json's header+data blocks; scanning the tar
  // from the state.bin header on is close enough: use the real stream.
  const std::string& tar = Tar();
  size_t start = 1024 + 512;  // meta.json header + one data block + header
  uint64_t size = static_cast<uint64_t>(kStateBytes);
  for (auto _ : state) {
    vk::snapshot::RecordScanner scanner(UINT64_MAX, {}, nullptr);
    std::string_view body = std::string_view(tar).substr(start);
    uint64_t fed = 0;
    for (size_t i = 0; i < body.size() && fed < size; i += 256 << 10) {
      auto piece = body.substr(i, 256 << 10);
      if (!scanner.Feed(vk::AsBytes(piece)).ok()) break;
      fed += piece.size();
    }
    benchmark::DoNotOptimize(scanner.records());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}
BENCHMARK(BM_RecordScan)->Unit(benchmark::kMillisecond);

void BM_ReadArchive(benchmark::State& state) {
  const std::string& gz = Archive(6);
  vk::snapshot::ReadOptions options;
  options.engine = static_cast<vk::InflateEngine>(state.range(0));
  options.read_ahead = state.range(1) != 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    vk::MemorySource src(gz);
    auto info = vk::snapshot::ReadArchive(src, options);
    VK_CHECK(info.ok());
    bytes += info->tar_size;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel(std::string(options.engine == vk::InflateEngine::kIsal
                                 ? "isal"
                                 : "zlib") +
                 (options.read_ahead ? ", 2 threads" : ", 1 thread"));
}
BENCHMARK(BM_ReadArchive)
    ->ArgsProduct({{static_cast<int>(vk::InflateEngine::kIsal),
                    static_cast<int>(vk::InflateEngine::kZlib)},
                   {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
