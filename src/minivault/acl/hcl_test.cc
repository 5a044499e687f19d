#include "minivault/acl/hcl.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace vk::acl {
namespace {

using nlohmann::json;

json MustParse(std::string_view text) {
  Result<json> r = ParseHcl(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : json();
}

std::string ErrorOf(std::string_view text) {
  Result<json> r = ParseHcl(text);
  EXPECT_FALSE(r.ok()) << "parsed: " << (r.ok() ? r->dump() : "");
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(HclTest, EmptyInputIsEmptyObject) {
  EXPECT_EQ(MustParse(""), json::object());
  EXPECT_EQ(MustParse("  \n# only a comment\n"), json::object());
}

TEST(HclTest, BlocksWithDifferentLabelsMerge) {
  json got = MustParse(R"(
path "secret/a" {
  capabilities = ["read", "list"]
}
path "secret/b" { capabilities = ["update"] }
)");
  json want = {{"path",
                {{"secret/a", {{"capabilities", {"read", "list"}}}},
                 {"secret/b", {{"capabilities", {"update"}}}}}}};
  EXPECT_EQ(got, want);
}

TEST(HclTest, RepeatedBlockKeepsEveryBody) {
  json got = MustParse(R"(
path "x" { capabilities = ["read"] }
path "x" { capabilities = ["list"] }
path "x" { capabilities = ["deny"] }
)");
  json want = {{"path",
                {{"x",
                  {{{"capabilities", {"read"}}},
                   {{"capabilities", {"list"}}},
                   {{"capabilities", {"deny"}}}}}}}};
  EXPECT_EQ(got, want);
}

TEST(HclTest, ZeroAndSeveralLabelsAndIdentifierLabels) {
  EXPECT_EQ(MustParse("a { b = 1 }"), (json{{"a", {{"b", 1}}}}));
  EXPECT_EQ(MustParse(R"(a "b" c { d = true })"),
            (json{{"a", {{"b", {{"c", {{"d", true}}}}}}}}));
}

TEST(HclTest, CommentsOfEachKind) {
  json got = MustParse(R"(# hash comment
// slash comment
/* block
   comment */ path "p" { /* inline */ capabilities = ["read"] # trailing
  // another
}
)");
  EXPECT_EQ(got, (json{{"path", {{"p", {{"capabilities", {"read"}}}}}}}));
}

TEST(HclTest, ValuesOfEachType) {
  json got = MustParse(R"(
s = "a\"b\\c\nd\te\u00e9\U0001F600\uD83D\uDE00\/"
i = 42
n = -7
f = 1.5e3
h = 0x1F
t = true
u = false
l = [1, "two", [3], { k = "v" },]
o = { x = 1, y = [] }
e = []
)");
  EXPECT_EQ(got["s"], "a\"b\\c\nd\te\xC3\xA9\xF0\x9F\x98\x80\xF0\x9F\x98\x80/");
  EXPECT_EQ(got["i"], 42);
  EXPECT_TRUE(got["i"].is_number_integer());
  EXPECT_EQ(got["n"], -7);
  EXPECT_DOUBLE_EQ(got["f"].get<double>(), 1500.0);
  EXPECT_EQ(got["h"], 31);
  EXPECT_EQ(got["t"], true);
  EXPECT_EQ(got["u"], false);
  EXPECT_EQ(got["l"], (json{1, "two", json{3}, json{{"k", "v"}}}));
  EXPECT_EQ(got["o"], (json{{"x", 1}, {"y", json::array()}}));
  EXPECT_EQ(got["e"], json::array());
}

TEST(HclTest, SeparatorsAreOptional) {
  EXPECT_EQ(MustParse("a = 1, b = 2 c = 3\nd = 4"),
            (json{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}}));
  EXPECT_EQ(MustParse("l = [\n  \"a\",\n  \"b\"\n]"),
            (json{{"l", {"a", "b"}}}));
}

TEST(HclTest, RepeatedAttributeKeepsLast) {
  EXPECT_EQ(MustParse("a = 1\na = 2"), (json{{"a", 2}}));
}

TEST(HclTest, Heredocs) {
  EXPECT_EQ(MustParse("p = <<EOF\nline 1\n  line 2\nEOF\n"),
            (json{{"p", "line 1\n  line 2\n"}}));
  EXPECT_EQ(MustParse("p = <<-EOT\n    a\n      b\n\n    EOT\nq = 1"),
            (json{{"p", "a\n  b\n\n"}, {"q", 1}}));
  EXPECT_EQ(MustParse("p = <<EOF\r\nx\r\nEOF"), (json{{"p", "x\r\n"}}));
}

TEST(HclTest, ErrorsCarryLineAndColumn) {
  EXPECT_EQ(ErrorOf("path \"a\" {\n  capabilities = \n}"),
            "hcl: 3:1: expected a value (string, number, bool, list or "
            "object), found '}'");
  EXPECT_EQ(ErrorOf("path \"a\" {\n  capabilities = [\"read\"\n"),
            "hcl: 3:1: expected ',' or ']' in list, found end of input");
  EXPECT_EQ(ErrorOf("foo bar"),
            "hcl: 1:8: expected '{' after the labels of block \"foo\", found "
            "end of input");
  EXPECT_EQ(ErrorOf("foo 1"),
            "hcl: 1:5: expected '=' or '{' after \"foo\", found number \"1\"");
  EXPECT_EQ(ErrorOf("a \"b\" = 1"),
            "hcl: 1:7: expected '{' after the labels of block \"a\", found "
            "'='");
  EXPECT_EQ(ErrorOf("= 1"),
            "hcl: 1:1: expected an attribute or block name, found '='");
  EXPECT_EQ(ErrorOf("a {\n , b = 1 }"),
            "hcl: 2:2: expected an attribute or block name or '}', found ','");
  EXPECT_EQ(ErrorOf("a = maybe"),
            "hcl: 1:5: expected a value (string, number, bool, list or "
            "object), found identifier \"maybe\"");
  EXPECT_EQ(ErrorOf("a = 1 }"),
            "hcl: 1:7: expected an attribute or block name, found '}'");
}

TEST(HclTest, LexicalErrors) {
  EXPECT_EQ(ErrorOf("a = \"abc\nb = 1"),
            "hcl: 1:5: unterminated string, expected closing '\"'");
  EXPECT_EQ(ErrorOf("a = 1\n  /* never closed"),
            "hcl: 2:3: unterminated /* comment");
  EXPECT_EQ(ErrorOf("a = \"x\\q\""),
            "hcl: 1:7: invalid escape sequence \"\\\\q\"");
  EXPECT_EQ(ErrorOf("a = \"\\u12\""),
            "hcl: 1:6: expected hex digits after \\u");
  EXPECT_EQ(ErrorOf("a = \"\\uD800\""),
            "hcl: 1:6: escape is not a valid Unicode code point");
  EXPECT_EQ(ErrorOf("a = @"), "hcl: 1:5: unexpected character \"@\"");
  EXPECT_EQ(ErrorOf("a = 12ab"), "hcl: 1:5: invalid number");
  EXPECT_EQ(ErrorOf("a = 99999999999999999999"),
            "hcl: 1:5: number out of range");
  EXPECT_EQ(ErrorOf("a = 1e999"), "hcl: 1:5: number out of range");
  EXPECT_EQ(ErrorOf("a = <<EOF\nno end\n"),
            "hcl: 1:5: unterminated heredoc, expected closing \"EOF\"");
  EXPECT_EQ(ErrorOf("a = <<\n"),
            "hcl: 1:5: expected a heredoc marker after '<<'");
  EXPECT_EQ(ErrorOf("a = \"\xff\""), "hcl: 1:5: string is not valid UTF-8");
  EXPECT_EQ(ErrorOf("a = \"\xc0\x80\""), "hcl: 1:5: string is not valid UTF-8");
  EXPECT_EQ(ErrorOf("a = \"\xe2\x82\""), "hcl: 1:5: string is not valid UTF-8");
  EXPECT_EQ(MustParse("a = \"\xe2\x82\xac\""), (json{{"a", "\xe2\x82\xac"}}));
}

TEST(HclTest, AttributeAndBlockMayNotShareAKey) {
  EXPECT_EQ(ErrorOf("path = 1\npath \"a\" {}"),
            "hcl: 2:1: block \"path\" conflicts with an attribute of the same "
            "name");
  EXPECT_EQ(ErrorOf("path \"a\" {}\npath = 1"),
            "hcl: 2:1: attribute \"path\" conflicts with a block of the same "
            "name");
}

std::string Nested(int n, char open, char close, std::string_view inner) {
  return std::string(n, open) + std::string(inner) + std::string(n, close);
}

TEST(HclTest, DepthIsCapped) {
  // The root object is depth 0; a value nested kMaxHclDepth deep is fine.
  EXPECT_TRUE(ParseHcl("a = " + Nested(kMaxHclDepth, '[', ']', "")).ok());
  EXPECT_EQ(ErrorOf("a = " + Nested(kMaxHclDepth + 1, '[', ']', "")),
            "hcl: 1:37: nesting deeper than 32 levels");
  std::string blocks;
  for (int i = 0; i < kMaxHclDepth; ++i) blocks += "b {";
  EXPECT_TRUE(ParseHcl(blocks + std::string(kMaxHclDepth, '}')).ok());
  EXPECT_FALSE(
      ParseHcl("x " + blocks + std::string(kMaxHclDepth + 1, '}')).ok());
  std::string labels = "b";
  for (int i = 0; i < kMaxHclDepth; ++i) labels += " \"l\"";
  EXPECT_FALSE(ParseHcl(labels + " {}").ok());
  // Far past the cap: rejected, not a stack overflow.
  EXPECT_FALSE(ParseHcl("a = " + Nested(200000, '[', ']', "")).ok());
  EXPECT_FALSE(ParseHcl("a = " + Nested(200000, '{', '}', "")).ok());
}

// Random bytes and mutations of a valid policy must never crash, and any
// accepted input must be serialisable JSON.
TEST(HclTest, HostileInputNeverCrashes) {
  const std::string seed = R"(# policy
path "secret/+/data/*" {
  capabilities = ["create", "read", /* c */ "update",]
  allowed_parameters = { "k" = ["v", 1, 2.5, true] }
  min_wrapping_ttl = 100
}
p = <<-EOF
    text
    EOF
)";
  ASSERT_TRUE(ParseHcl(seed).ok());
  const std::string alphabet = "{}[]=,\"\\#/*<-+ \n\tabcEOF019.xu";
  std::mt19937 rng(20240611);
  int accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string input;
    if (iter % 3 == 0) {
      size_t len = rng() % 64;
      for (size_t i = 0; i < len; ++i) input += static_cast<char>(rng() & 0xFF);
    } else if (iter % 3 == 1) {
      size_t len = rng() % 96;
      for (size_t i = 0; i < len; ++i)
        input += alphabet[rng() % alphabet.size()];
    } else {
      input = seed;
      int edits = 1 + rng() % 4;
      for (int e = 0; e < edits; ++e) {
        size_t pos = rng() % (input.size() + 1);
        switch (rng() % 3) {
          case 0:
            if (pos < input.size()) input.erase(pos, 1 + rng() % 8);
            break;
          case 1:
            input.insert(pos, 1, alphabet[rng() % alphabet.size()]);
            break;
          default:
            if (pos < input.size())
              input[pos] = static_cast<char>(rng() & 0xFF);
        }
      }
    }
    Result<json> r = ParseHcl(input);
    if (r.ok()) {
      ++accepted;
      EXPECT_NO_THROW((void)r->dump());
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(r.status().message().rfind("hcl: ", 0), 0u)
          << r.status().message();
    }
  }
  EXPECT_GT(accepted, 0);  // the mutations exercise the success path too
}

}  // namespace
}  // namespace vk::acl
