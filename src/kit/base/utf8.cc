#include "kit/base/utf8.h"

#include <cstdint>

namespace vk::utf8 {
namespace {

Decoded Invalid(Error why) { return {kReplacement, 1, why}; }

}  // namespace

Decoded Decode(std::string_view s) {
  if (s.empty()) return {kReplacement, 0, Error::kEmpty};
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t lead = byte(0);
  if (lead < 0x80) return {lead, 1, Error::kNone};
  size_t n;
  char32_t cp;
  // The second byte's range narrows for leads where the full 0x80-0xBF
  // range would give an overlong form, a surrogate or too large a value.
  uint8_t lo = 0x80, hi = 0xbf;
  Error below = Error::kBadContinuation, above = Error::kBadContinuation;
  if (lead < 0xc0) return Invalid(Error::kBadLeadByte);
  if (lead < 0xc2) return Invalid(Error::kOverlong);
  if (lead < 0xe0) {
    n = 2;
    cp = lead & 0x1f;
  } else if (lead < 0xf0) {
    n = 3;
    cp = lead & 0x0f;
    if (lead == 0xe0) {
      lo = 0xa0;
      below = Error::kOverlong;
    }
    if (lead == 0xed) {
      hi = 0x9f;
      above = Error::kSurrogate;
    }
  } else if (lead < 0xf5) {
    n = 4;
    cp = lead & 0x07;
    if (lead == 0xf0) {
      lo = 0x90;
      below = Error::kOverlong;
    }
    if (lead == 0xf4) {
      hi = 0x8f;
      above = Error::kTooLarge;
    }
  } else if (lead < 0xf8) {
    return Invalid(Error::kTooLarge);
  } else {
    return Invalid(Error::kBadLeadByte);
  }
  for (size_t i = 1; i < n; ++i) {
    if (i >= s.size()) return Invalid(Error::kTruncated);
    uint8_t c = byte(i);
    if (c < 0x80 || c > 0xbf) return Invalid(Error::kBadContinuation);
    if (i == 1 && c < lo) return Invalid(below);
    if (i == 1 && c > hi) return Invalid(above);
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
