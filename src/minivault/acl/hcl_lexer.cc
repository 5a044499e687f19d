#include "minivault/acl/hcl_lexer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kit/base/strings.h"
#include "kit/base/utf8.h"

namespace vk::acl::hcl {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsIdentStart(char c) { return IsAlpha(c) || c == '_'; }
bool IsIdentChar(char c) {
  return IsIdentStart(c) || IsDigit(c) || c == '-' || c == '.';
}
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

std::string Position(int line, int col) {
  return "hcl: " + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

Token Lexer::Next() {
  Token t;
  if (std::optional<Token> err = SkipSpaceAndComments()) return *err;
  t.line = line_;
  t.col = col_;
  if (AtEnd()) return t;
  char c = in_[pos_];
  if (size_t k = kPunctuation.find(c); k != std::string_view::npos) {
    t.kind = static_cast<Tok>(static_cast<int>(Tok::kLBrace) + k);
    Advance();
    return t;
  }
  if (c == '"') return LexString(t);
  if (c == '<' && Peek(1) == '<') return LexHeredoc(t);
  if (IsDigit(c) || (c == '-' && IsDigit(Peek(1)))) return LexNumber(t);
  if (IsIdentStart(c)) {
    t.kind = Tok::kIdent;
    while (!AtEnd() && IsIdentChar(in_[pos_])) {
      t.text += in_[pos_];
      Advance();
    }
    return t;
  }
  return Error(t, "unexpected character " + Quote(std::string(1, c)));
}

Token Lexer::Error(Token t, const std::string& msg) {
  t.kind = Tok::kError;
  t.text = Position(t.line, t.col) + msg;
  return t;
}

std::optional<Token> Lexer::SkipSpaceAndComments() {
  while (!AtEnd()) {
    char c = in_[pos_];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      Advance();
    } else if (c == '#' || (c == '/' && Peek(1) == '/')) {
      while (!AtEnd() && in_[pos_] != '\n') Advance();
    } else if (c == '/' && Peek(1) == '*') {
      Token start;
      start.line = line_;
      start.col = col_;
      Advance();
      Advance();
      while (!AtEnd() && !(in_[pos_] == '*' && Peek(1) == '/')) Advance();
      if (AtEnd()) return Error(start, "unterminated /* comment");
      Advance();
      Advance();
    } else {
      break;
    }
  }
  return std::nullopt;
}

std::optional<uint32_t> Lexer::ReadHex(int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) {
    if (AtEnd() || !IsHexDigit(in_[pos_])) return std::nullopt;
    char c = in_[pos_];
    uint32_t d = IsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    v = v * 16 + d;
    Advance();
  }
  return v;
}

Token Lexer::LexString(Token t) {
  Advance();  // opening quote
  std::string out;
  while (true) {
    if (AtEnd() || in_[pos_] == '\n') {
      return Error(t, "unterminated string, expected closing '\"'");
    }
    char c = in_[pos_];
    if (c == '"') {
      Advance();
      break;
    }
    if (c != '\\') {
      out += c;
      Advance();
      continue;
    }
    Token esc;
    esc.line = line_;
    esc.col = col_;
    Advance();
    if (AtEnd()) return Error(t, "unterminated string, expected closing '\"'");
    char e = in_[pos_];
    Advance();
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'u':
      case 'U': {
        std::optional<uint32_t> cp = ReadHex(e == 'u' ? 4 : 8);
        if (!cp)
          return Error(esc, "expected hex digits after \\" + std::string(1, e));
        // A UTF-16 surrogate pair, as JSON writes characters above U+FFFF.
        if (e == 'u' && *cp >= 0xD800 && *cp <= 0xDBFF && Peek(0) == '\\' &&
            Peek(1) == 'u') {
          Advance();
          Advance();
          std::optional<uint32_t> lo = ReadHex(4);
          if (!lo || *lo < 0xDC00 || *lo > 0xDFFF) {
            return Error(esc, "expected a low surrogate after \\u escape");
          }
          *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*lo - 0xDC00);
        }
        if (!utf8::IsScalarValue(*cp)) {
          return Error(esc, "escape is not a valid Unicode code point");
        }
        utf8::Append(*cp, &out);
        break;
      }
      default:
        return Error(esc,
                     "invalid escape sequence " + Quote(std::string("\\") + e));
    }
  }
  // nlohmann::json refuses to serialise anything but valid UTF-8.
  if (!utf8::IsValid(out)) return Error(t, "string is not valid UTF-8");
  t.kind = Tok::kString;
  t.text = std::move(out);
  return t;
}

Token Lexer::LexHeredoc(Token t) {
  Advance();
  Advance();
  bool indented = false;
  if (Peek(0) == '-') {
    indented = true;
    Advance();
  }
  std::string marker;
  while (!AtEnd() &&
         (IsAlpha(in_[pos_]) || IsDigit(in_[pos_]) || in_[pos_] == '_')) {
    marker += in_[pos_];
    Advance();
  }
  if (marker.empty()) return Error(t, "expected a heredoc marker after '<<'");
  if (Peek(0) == '\r') Advance();
  if (AtEnd() || in_[pos_] != '\n') {
    return Error(t, "expected a newline after heredoc marker " + Quote(marker));
  }
  Advance();
  std::vector<std::string> lines;
  while (true) {
    if (AtEnd()) {
      return Error(t,
                   "unterminated heredoc, expected closing " + Quote(marker));
    }
    size_t end = in_.find('\n', pos_);
    if (end == std::string_view::npos) end = in_.size();
    std::string_view line = in_.substr(pos_, end - pos_);
    std::string_view cmp = line;
    if (!cmp.empty() && cmp.back() == '\r') cmp.remove_suffix(1);
    if (indented) {
      size_t ws = cmp.find_first_not_of(" \t");
      cmp.remove_prefix(ws == std::string_view::npos ? cmp.size() : ws);
    }
    if (cmp == marker) {
      while (pos_ < end) Advance();
      break;
    }
    lines.emplace_back(line);
    while (pos_ < end) Advance();
    if (!AtEnd()) Advance();  // the newline
  }
  size_t strip = 0;
  if (indented) {
    strip = std::string::npos;
    for (const std::string& l : lines) {
      size_t ws = l.find_first_not_of(" \t");
      if (ws != std::string::npos) strip = std::min(strip, ws);
    }
    if (strip == std::string::npos) strip = 0;
  }
  std::string out;
  for (const std::string& l : lines) {
    // Blank lines may be shorter than the common indentation.
    out += l.substr(std::min(strip, l.size()));
    out += '\n';
  }
  if (!utf8::IsValid(out)) return Error(t, "heredoc is not valid UTF-8");
  t.kind = Tok::kString;
  t.text = std::move(out);
  return t;
}

Token Lexer::LexNumber(Token t) {
  size_t start = pos_;
  bool negative = false;
  if (in_[pos_] == '-') {
    negative = true;
    Advance();
  }
  if (Peek(0) == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
    Advance();
    Advance();
    size_t digits = pos_;
    while (!AtEnd() && IsHexDigit(in_[pos_])) Advance();
    std::string_view hex = in_.substr(digits, pos_ - digits);
    if (hex.empty() || (!AtEnd() && IsIdentChar(in_[pos_]))) {
      return Error(t, "invalid hexadecimal number");
    }
    uint64_t v = 0;
    auto r = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
    if (r.ec != std::errc() ||
        v > (negative ? (uint64_t{1} << 63) : uint64_t{INT64_MAX})) {
      return Error(t, "number out of range");
    }
    t.kind = Tok::kNumber;
    t.text = std::string(in_.substr(start, pos_ - start));
    t.number = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
    return t;
  }
  bool is_float = false;
  while (!AtEnd() && IsDigit(in_[pos_])) Advance();
  if (Peek(0) == '.' && IsDigit(Peek(1))) {
    is_float = true;
    Advance();
    while (!AtEnd() && IsDigit(in_[pos_])) Advance();
  }
  if (Peek(0) == 'e' || Peek(0) == 'E') {
    size_t sign = (Peek(1) == '+' || Peek(1) == '-') ? 1 : 0;
    if (IsDigit(Peek(1 + sign))) {
      is_float = true;
      Advance();
      if (sign) Advance();
      while (!AtEnd() && IsDigit(in_[pos_])) Advance();
    }
  }
  if (!AtEnd() && IsIdentChar(in_[pos_])) return Error(t, "invalid number");
  std::string_view s = in_.substr(start, pos_ - start);
  t.kind = Tok::kNumber;
  t.text = std::string(s);
  if (is_float) {
    double d = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), d);
    if (r.ec != std::errc() || !std::isfinite(d)) {
      return Error(t, "number out of range");
    }
    t.number = d;
  } else {
    int64_t v = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (r.ec != std::errc()) return Error(t, "number out of range");
    t.number = v;
  }
  return t;
}

std::string Describe(const Token& t) {
  constexpr size_t kMax = 40;
  auto clip = [](const std::string& s) {
    return Quote(s.size() > kMax ? s.substr(0, kMax) + "..." : s);
  };
  switch (t.kind) {
    case Tok::kEof:
      return "end of input";
    case Tok::kIdent:
      return "identifier " + clip(t.text);
    case Tok::kString:
      return "string " + clip(t.text);
    case Tok::kNumber:
      return "number " + clip(t.text);
    case Tok::kError:
      return "invalid input";
    default:
      break;
  }
  return std::string("'") +
         kPunctuation[static_cast<int>(t.kind) -
                      static_cast<int>(Tok::kLBrace)] +
         "'";
}

}  // namespace vk::acl::hcl
