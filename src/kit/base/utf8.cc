#include "kit/base/utf8.h"

#include <cstdint>

namespace vk::utf8 {
namespace {

Decoded Invalid(Error why) { return {kReplacement, 1, why}; }

// The range of the second byte after `lead`: 0x80-0xBF, narrowed for the
// leads where the full range would give an overlong form, a surrogate or a
// value above U+10FFFF, and what a byte outside it means.
struct SecondByte {
  uint8_t lo = 0x80;
  uint8_t hi = 0xbf;
  Error below = Error::kBadContinuation;
  Error above = Error::kBadContinuation;
};

SecondByte SecondByteAfter(uint8_t lead) {
  switch (lead) {
    case 0xe0:
      return {.lo = 0xa0, .below = Error::kOverlong};
    case 0xed:
      return {.hi = 0x9f, .above = Error::kSurrogate};
    case 0xf0:
      return {.lo = 0x90, .below = Error::kOverlong};
    case 0xf4:
      return {.hi = 0x8f, .above = Error::kTooLarge};
    default:
      return {};
  }
}

}  // namespace

Decoded Decode(std::string_view s) {
  if (s.empty()) return {kReplacement, 0, Error::kEmpty};
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t lead = byte(0);
  if (lead < 0x80) return {lead, 1, Error::kNone};
  if (lead < 0xc0 || lead >= 0xf8) return Invalid(Error::kBadLeadByte);
  if (lead < 0xc2) return Invalid(Error::kOverlong);
  if (lead >= 0xf5) return Invalid(Error::kTooLarge);
  // 110xxxxx, 1110xxxx or 11110xxx: 2, 3 or 4 bytes.
  size_t n = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  char32_t cp = lead & (0x7f >> n);
  SecondByte second = SecondByteAfter(lead);
  for (size_t i = 1; i < n; ++i) {
    if (i >= s.size()) return Invalid(Error::kTruncated);
    uint8_t c = byte(i);
    if (c < 0x80 || c > 0xbf) return Invalid(Error::kBadContinuation);
    if (i == 1 && c < second.lo) return Invalid(second.below);
    if (i == 1 && c > second.hi) return Invalid(second.above);
    cp = (cp << 6) | (c & 0x3f);
  }
  return {cp, n, Error::kNone};
}

void Append(char32_t cp, std::string* out) {
  if (!IsScalarValue(cp)) cp = kReplacement;
  auto put = [out](char32_t bits) { out->push_back(static_cast<char>(bits)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xc0 | (cp >> 6));
    put(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    put(0xe0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3f));
    put(0x80 | (cp & 0x3f));
  } else {
    put(0xf0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3f));
    put(0x80 | ((cp >> 6) & 0x3f));
    put(0x80 | (cp & 0x3f));
  }
}

bool IsValid(std::string_view s) {
  while (!s.empty()) {
    Decoded d = Decode(s);
    if (!d.ok()) return false;
    s.remove_prefix(d.width);
  }
  return true;
}

}  // namespace vk::utf8
