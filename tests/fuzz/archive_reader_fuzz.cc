// libFuzzer target for the archive reader: arbitrary bytes in, a Status
// out, never a crash, hang or sanitizer report. The first input byte picks
// the options so both the sealed-required and allow-unsealed paths and both
// inflate engines are exercised. Run with scripts/fuzz.
#include <cstddef>
#include <cstdint>

#include "kit/snapshot/archive_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  vk::snapshot::ReadOptions options;
  options.require_sealed = (data[0] & 1) != 0;
  options.engine =
      (data[0] & 2) ? vk::InflateEngine::kZlib : vk::InflateEngine::kIsal;
  options.read_ahead = false;  // deterministic, single-threaded
  vk::MemorySource source(vk::ByteSpan(data + 1, size - 1));
  auto info = vk::snapshot::ReadArchive(source, options);
  (void)info;
  return 0;
}
