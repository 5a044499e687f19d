#include "minivault/acl/hcl.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kit/base/strings.h"
#include "kit/base/utf8.h"

namespace vk::acl {
namespace {

using nlohmann::json;

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

std::string Position(int line, int col) {
  return "hcl: " + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

// kLBrace..kComma are in the order of kPunctuation.
enum class Tok {
  kEof,
  kIdent,
  kString,
  kNumber,
  kError,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kEquals,
  kComma
};
constexpr std::string_view kPunctuation = "{}[]=,";

struct Token {
  Tok kind = Tok::kEof;
  // Identifier name, decoded string, number spelling, or for kError the
  // complete error message.
  std::string text;
  json number;
  int line = 1;
  int col = 1;
};

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  Token Next() {
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

 private:
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek(size_t ahead) const {
    return pos_ + ahead < in_.size() ? in_[pos_ + ahead] : '\0';
  }
  void Advance() {
    if (in_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
  static Token Error(Token t, const std::string& msg) {
    t.kind = Tok::kError;
    t.text = Position(t.line, t.col) + msg;
    return t;
  }

  // Returns an error token only for an unterminated block comment.
  std::optional<Token> SkipSpaceAndComments() {
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

  // Reads `n` hex digits; nullopt if fewer are there.
  std::optional<uint32_t> ReadHex(int n) {
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

  Token LexString(Token t) {
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
      if (AtEnd())
        return Error(t, "unterminated string, expected closing '\"'");
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
            return Error(esc,
                         "expected hex digits after \\" + std::string(1, e));
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
          return Error(
              esc, "invalid escape sequence " + Quote(std::string("\\") + e));
      }
    }
    // nlohmann::json refuses to serialise anything but valid UTF-8.
    if (!utf8::IsValid(out)) return Error(t, "string is not valid UTF-8");
    t.kind = Tok::kString;
    t.text = std::move(out);
    return t;
  }

  // `<<MARK\n ... \nMARK` or `<<-MARK` (closing marker may be indented and
  // the lines' common leading whitespace is removed). Each content line
  // keeps its newline, as HCL1 does.
  Token LexHeredoc(Token t) {
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
      return Error(t,
                   "expected a newline after heredoc marker " + Quote(marker));
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

  Token LexNumber(Token t) {
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
      t.number =
          negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
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

  std::string_view in_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

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

class Parser {
 public:
  explicit Parser(std::string_view text) : lex_(text) { Next(); }

  Result<json> ParseFile() {
    json root = json::object();
    VK_RETURN_IF_ERROR(ParseBody(root, 0, /*top=*/true));
    return root;
  }

 private:
  void Next() { tok_ = lex_.Next(); }

  // The error for the current token: a lexer error as is, else "expected X,
  // found <token>".
  Status Unexpected(std::string_view expected) const {
    if (tok_.kind == Tok::kError) return InvalidArgument(tok_.text);
    return InvalidArgument(Position(tok_.line, tok_.col) + "expected " +
                           std::string(expected) + ", found " + Describe(tok_));
  }
  Status TooDeep() const {
    return InvalidArgument(Position(tok_.line, tok_.col) +
                           "nesting deeper than " +
                           std::to_string(kMaxHclDepth) + " levels");
  }

  // Items until end of input (top) or a '}' (left for the caller).
  Status ParseBody(json& obj, int depth, bool top) {
    std::set<std::string> attr_keys;
    std::set<std::string> block_keys;
    while (true) {
      if (top && tok_.kind == Tok::kEof) return Status::Ok();
      if (!top && tok_.kind == Tok::kRBrace) return Status::Ok();
      if (tok_.kind != Tok::kIdent && tok_.kind != Tok::kString) {
        return Unexpected(top ? "an attribute or block name"
                              : "an attribute or block name or '}'");
      }
      VK_RETURN_IF_ERROR(ParseItem(obj, depth, attr_keys, block_keys));
      if (tok_.kind == Tok::kComma) Next();
    }
  }

  Status ParseItem(json& obj, int depth, std::set<std::string>& attr_keys,
                   std::set<std::string>& block_keys) {
    Token key = tok_;
    Next();
    std::vector<std::string> names = {key.text};
    while (tok_.kind == Tok::kString || tok_.kind == Tok::kIdent) {
      if (depth + static_cast<int>(names.size()) >= kMaxHclDepth) {
        return TooDeep();
      }
      names.push_back(tok_.text);
      Next();
    }
    if (tok_.kind == Tok::kEquals && names.size() == 1) {
      if (block_keys.count(key.text)) {
        return InvalidArgument(Position(key.line, key.col) + "attribute " +
                               Quote(key.text) +
                               " conflicts with a block of the same name");
      }
      Next();
      json value;
      VK_RETURN_IF_ERROR(ParseValue(&value, depth));
      attr_keys.insert(key.text);
      obj[key.text] = std::move(value);
      return Status::Ok();
    }
    if (tok_.kind != Tok::kLBrace) {
      return Unexpected(names.size() == 1
                            ? "'=' or '{' after " + Quote(key.text)
                            : "'{' after the labels of block " +
                                  Quote(key.text));
    }
    if (attr_keys.count(key.text)) {
      return InvalidArgument(Position(key.line, key.col) + "block " +
                             Quote(key.text) +
                             " conflicts with an attribute of the same name");
    }
    int body_depth = depth + static_cast<int>(names.size());
    if (body_depth > kMaxHclDepth) return TooDeep();
    Next();
    json body = json::object();
    VK_RETURN_IF_ERROR(ParseBody(body, body_depth, /*top=*/false));
    Next();  // '}'
    block_keys.insert(key.text);
    return AddBlock(obj, key, names, std::move(body));
  }

  static Status AddBlock(json& obj, const Token& key,
                         const std::vector<std::string>& names, json body) {
    json* cur = &obj;
    for (size_t i = 0; i + 1 < names.size(); ++i) {
      auto it = cur->find(names[i]);
      if (it == cur->end()) {
        cur = &((*cur)[names[i]] = json::object());
      } else if (it->is_object()) {
        cur = &*it;
      } else {
        return InvalidArgument(Position(key.line, key.col) + "block " +
                               Quote(key.text) +
                               " conflicts with an earlier definition");
      }
    }
    auto it = cur->find(names.back());
    if (it == cur->end()) {
      (*cur)[names.back()] = std::move(body);
    } else if (it->is_object()) {
      json list = json::array();
      list.push_back(std::move(*it));
      list.push_back(std::move(body));
      *it = std::move(list);
    } else if (it->is_array()) {
      it->push_back(std::move(body));
    } else {
      return InvalidArgument(Position(key.line, key.col) + "block " +
                             Quote(key.text) +
                             " conflicts with an earlier definition");
    }
    return Status::Ok();
  }

  // `depth` is that of the object or list holding the value.
  Status ParseValue(json* out, int depth) {
    switch (tok_.kind) {
      case Tok::kString:
        *out = std::move(tok_.text);
        Next();
        return Status::Ok();
      case Tok::kNumber:
        *out = std::move(tok_.number);
        Next();
        return Status::Ok();
      case Tok::kIdent:
        if (tok_.text == "true" || tok_.text == "false") {
          *out = tok_.text == "true";
          Next();
          return Status::Ok();
        }
        break;
      case Tok::kLBracket: {
        if (depth + 1 > kMaxHclDepth) return TooDeep();
        Next();
        *out = json::array();
        while (tok_.kind != Tok::kRBracket) {
          json v;
          VK_RETURN_IF_ERROR(ParseValue(&v, depth + 1));
          out->push_back(std::move(v));
          if (tok_.kind == Tok::kComma) {
            Next();
          } else if (tok_.kind != Tok::kRBracket) {
            return Unexpected("',' or ']' in list");
          }
        }
        Next();
        return Status::Ok();
      }
      case Tok::kLBrace: {
        if (depth + 1 > kMaxHclDepth) return TooDeep();
        Next();
        *out = json::object();
        VK_RETURN_IF_ERROR(ParseBody(*out, depth + 1, /*top=*/false));
        Next();  // '}'
        return Status::Ok();
      }
      default:
        break;
    }
    return Unexpected("a value (string, number, bool, list or object)");
  }

  Lexer lex_;
  Token tok_;
};

}  // namespace

Result<nlohmann::json> ParseHcl(std::string_view text) {
  return Parser(text).ParseFile();
}

}  // namespace vk::acl
