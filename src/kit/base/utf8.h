// UTF-8 (RFC 3629) decoding, encoding and validation, strict in the way Go's
// unicode/utf8 and JSON serialisers require: overlong forms, UTF-16
// surrogates (U+D800-U+DFFF) and values above U+10FFFF are invalid.
#ifndef KIT_BASE_UTF8_H_
#define KIT_BASE_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace vk::utf8 {

// U+FFFD, what an invalid sequence decodes to.
inline constexpr char32_t kReplacement = 0xfffd;
inline constexpr char32_t kMaxCodePoint = 0x10ffff;

// Why a sequence did not decode. Each invalid byte sequence has exactly one
// reason, found by reading the bytes in order and stopping at the first one
// that cannot continue a valid sequence.
enum class Error {
  kNone,
  kEmpty,            // no bytes at all
  kBadLeadByte,      // a continuation byte (0x80-0xBF) or 0xF8-0xFF first
  kOverlong,         // 0xC0/0xC1, 0xE0 0x80-0x9F, 0xF0 0x80-0x8F
  kSurrogate,        // 0xED 0xA0-0xBF: U+D800-U+DFFF
  kTooLarge,         // 0xF5-0xF7, 0xF4 0x90-0xBF: above U+10FFFF
  kBadContinuation,  // a byte after the lead that is not 0x80-0xBF
  kTruncated,        // the input ends inside the sequence
};

struct Decoded {
  // The code point; kReplacement when the sequence is invalid (a valid
  // U+FFFD has error kNone and width 3).
  char32_t code_point = kReplacement;
  // Bytes consumed: the sequence's length when valid; 1 when invalid (0 for
  // empty input), so a caller stepping by `width` meets every byte of a bad
  // sequence on its own, as Go's utf8.DecodeRuneInString does.
  size_t width = 0;
  Error error = Error::kEmpty;

  bool ok() const { return error == Error::kNone; }
};

// Decodes the code point at the start of `s`.
Decoded Decode(std::string_view s);

// True for a Unicode scalar value: at most U+10FFFF and not a surrogate
// (the code points UTF-8 can carry).
constexpr bool IsScalarValue(char32_t cp) {
  return cp <= kMaxCodePoint && (cp < 0xd800 || cp > 0xdfff);
}

// Appends the 1-4 byte encoding of `cp`; a value that is not a scalar
// value is written as U+FFFD, so the output is always valid UTF-8.
void Append(char32_t cp, std::string* out);

// True if the whole of `s` decodes without error (the empty string too).
bool IsValid(std::string_view s);

}  // namespace vk::utf8

#endif  // KIT_BASE_UTF8_H_
