// libFuzzer target for the state.bin record scanner alone (the part of the
// reader that sees attacker-chosen lengths most directly, and that gzip's
// CRC would otherwise shield from mutation). Input is fed in pieces whose
// sizes come from the first byte, to exercise every split point.
#include <cstddef>
#include <cstdint>

#include "kit/snapshot/records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t piece = 1 + data[0] % 64;
  vk::snapshot::RecordScanner::Options options;
  options.keep_values = (data[0] & 0x80) != 0;
  options.max_value_size = 1 << 16;
  vk::snapshot::RecordScanner scanner(
      size - 1, options, [](const vk::snapshot::StateRecord& r) {
        // Touch the reported bytes so ASan checks their bounds.
        volatile size_t sum = 0;
        for (char c : r.key) sum = sum + static_cast<unsigned char>(c);
        for (uint8_t c : r.value) sum = sum + c;
        return vk::Status::Ok();
      });
  for (size_t i = 1; i < size; i += piece) {
    size_t n = size - i < piece ? size - i : piece;
    if (!scanner.Feed(vk::ByteSpan(data + i, n)).ok()) return 0;
  }
  (void)scanner.Finish();
  return 0;
}
