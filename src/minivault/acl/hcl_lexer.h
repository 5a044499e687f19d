// The lexer of the HCL subset ParseHcl accepts (hcl.h): tokens with their
// 1-based line and byte column, strings and heredocs already decoded.
// Internal to the acl module.
#ifndef MINIVAULT_ACL_HCL_LEXER_H_
#define MINIVAULT_ACL_HCL_LEXER_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace vk::acl::hcl {

// "hcl: <line>:<col>: ", the start of every error message.
std::string Position(int line, int col);

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
  nlohmann::json number;  // for kNumber: an int64 or a finite double
  int line = 1;
  int col = 1;
};

// Splits HCL text into tokens. Errors (bad characters, unterminated
// strings, comments and heredocs, bad escapes, numbers out of range,
// invalid UTF-8) come back as one kError token; the parser stops there.
class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  // The next token; kEof at the end, and again on every later call.
  Token Next();

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
  static Token Error(Token t, const std::string& msg);
  // Returns an error token only for an unterminated block comment.
  std::optional<Token> SkipSpaceAndComments();
  // Reads `n` hex digits; nullopt if fewer are there.
  std::optional<uint32_t> ReadHex(int n);
  Token LexString(Token t);
  // `<<MARK\n ... \nMARK` or `<<-MARK` (closing marker may be indented and
  // the lines' common leading whitespace is removed). Each content line
  // keeps its newline, as HCL1 does.
  Token LexHeredoc(Token t);
  Token LexNumber(Token t);

  std::string_view in_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
};

// The token as an error message names it: "end of input", "string \"..\"",
// "'{'".
std::string Describe(const Token& t);

}  // namespace vk::acl::hcl

#endif  // MINIVAULT_ACL_HCL_LEXER_H_
