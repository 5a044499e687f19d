#include "minivault/acl/hcl.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kit/base/strings.h"
#include "minivault/acl/hcl_lexer.h"

namespace vk::acl {
namespace {

using hcl::Describe;
using hcl::Lexer;
using hcl::Position;
using hcl::Tok;
using hcl::Token;
using nlohmann::json;

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
