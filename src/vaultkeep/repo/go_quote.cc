#include "vaultkeep/repo/go_quote.h"

#include <cstdint>

#include "kit/base/utf8.h"

namespace vk::repo {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// The approximation of unicode.IsPrint described in go_quote.h.
bool IsPrint(uint32_t r) {
  if (r < 0x20 || (r >= 0x7f && r <= 0xa0) || r == 0xad) return false;
  if (r < 0x600) return true;
  if ((r >= 0x600 && r <= 0x605) || (r >= 0x890 && r <= 0x891) || r == 0x61c ||
      r == 0x6dd || r == 0x70f || r == 0x1680 || r == 0x180e ||
      (r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
      (r >= 0x205f && r <= 0x206f) || r == 0x3000 ||
      (r >= 0xd800 && r <= 0xf8ff) ||  // surrogates, private
      (r >= 0xfdd0 && r <= 0xfdef) || r == 0xfeff ||
      (r >= 0xfff9 && r <= 0xfffb) || (r & 0xfffe) == 0xfffe || r == 0x8e2 ||
      r == 0x110bd || r == 0x110cd || (r >= 0x13430 && r <= 0x1343f) ||
      (r >= 0x1bca0 && r <= 0x1bca3) || (r >= 0x1d173 && r <= 0x1d17a) ||
      r == 0xe0001 || (r >= 0xe0020 && r <= 0xe007f) || r >= 0xf0000) {
    return false;
  }
  return true;
}

void AppendHexDigits(uint32_t v, int digits, std::string* out) {
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) {
    out->push_back(kHex[(v >> shift) & 0xf]);
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (size_t i = 0; i < s.size();) {
    utf8::Decoded d = utf8::Decode(s.substr(i));
    uint32_t r = d.code_point;
    size_t width = d.width;
    if (!d.ok()) {  // a byte that is not UTF-8
      out += "\\x";
      AppendHexDigits(static_cast<uint8_t>(s[i]), 2, &out);
    } else if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
    } else if (IsPrint(r)) {
      out.append(s.substr(i, width));
    } else {
      switch (r) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (r < 0x20 || r == 0x7f) {
            out += "\\x";
            AppendHexDigits(r, 2, &out);
          } else if (r < 0x10000) {
            out += "\\u";
            AppendHexDigits(r, 4, &out);
          } else {
            out += "\\U";
            AppendHexDigits(r, 8, &out);
          }
      }
    }
    i += width;
  }
  return out;
}

Result<std::string> GoUnquote(std::string_view s) {
  auto bad = [&](const char* why) {
    return Corruption(std::string("bad Go-quoted string: ") + why);
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c == '"') return bad("unescaped '\"'");
    if (c == '\n') return bad("unescaped newline");
    if (static_cast<uint8_t>(c) >= 0x80) {
      utf8::Decoded d = utf8::Decode(s.substr(i));
      utf8::Append(d.code_point, &out);  // U+FFFD for an invalid byte
      i += d.width;
      continue;
    }
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return bad("trailing backslash");
    char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out.push_back('\a');
        continue;
      case 'b':
        out.push_back('\b');
        continue;
      case 'f':
        out.push_back('\f');
        continue;
      case 'n':
        out.push_back('\n');
        continue;
      case 'r':
        out.push_back('\r');
        continue;
      case 't':
        out.push_back('\t');
        continue;
      case 'v':
        out.push_back('\v');
        continue;
      case '\\':
        out.push_back('\\');
        continue;
      case '"':
        out.push_back('"');
        continue;
      default:
        break;
    }
    if (e >= '0' && e <= '7') {  // exactly three octal digits
      if (i + 2 > s.size()) return bad("short octal escape");
      uint32_t v = e - '0';
      for (size_t k = 0; k < 2; ++k) {
        char d = s[i + k];
        if (d < '0' || d > '7') return bad("bad octal escape");
        v = v * 8 + (d - '0');
      }
      if (v > 255) return bad("octal escape above \\377");
      out.push_back(static_cast<char>(v));
      i += 2;
      continue;
    }
    int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0;
    if (digits == 0) return bad("unknown escape");
    if (i + digits > s.size()) return bad("short hex escape");
    uint32_t v = 0;
    for (int k = 0; k < digits; ++k) {
      int h = HexValue(s[i + k]);
      if (h < 0) return bad("bad hex escape");
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    i += digits;
    if (e == 'x') {
      out.push_back(static_cast<char>(v));  // a raw byte, as in Go
    } else {
      if (!utf8::IsScalarValue(v)) {
        return bad("escape is not a valid code point");
      }
      utf8::Append(v, &out);
    }
  }
  return out;
}

void AppendGoJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out->push_back('\\');
        out->push_back(static_cast<char>(c));
      } else if (c == '\n') {
        *out += "\\n";
      } else if (c == '\r') {
        *out += "\\r";
      } else if (c == '\t') {
        *out += "\\t";
      } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        *out += "\\u00";
        AppendHexDigits(c, 2, out);
      } else {
        out->push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    utf8::Decoded d = utf8::Decode(s.substr(i));
    if (!d.ok()) {
      *out += "\\ufffd";
    } else if (d.code_point == 0x2028 || d.code_point == 0x2029) {
      *out += d.code_point == 0x2028 ? "\\u2028" : "\\u2029";
    } else {
      out->append(s.substr(i, d.width));
    }
    i += d.width;
  }
  out->push_back('"');
}

void AppendGoJson(const nlohmann::ordered_json& v, std::string* out) {
  if (v.is_string()) {
    AppendGoJsonString(v.get_ref<const std::string&>(), out);
  } else if (v.is_object()) {
    out->push_back('{');
    bool first = true;
    for (const auto& [key, value] : v.items()) {
      if (!first) out->push_back(',');
      first = false;
      AppendGoJsonString(key, out);
      out->push_back(':');
      AppendGoJson(value, out);
    }
    out->push_back('}');
  } else if (v.is_array()) {
    out->push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i != 0) out->push_back(',');
      AppendGoJson(v[i], out);
    }
    out->push_back(']');
  } else {
    *out += v.dump();  // numbers, booleans, null (binary never occurs)
  }
}

}  // namespace vk::repo
