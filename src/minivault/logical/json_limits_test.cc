#include "minivault/logical/json_limits.h"

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <string>

namespace vk::logical {
namespace {

// Concatenation without `"literal" + std::string(...)`, which GCC 12
// misreports under -Werror=restrict.
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (std::string_view p : parts) s += p;
  return s;
}

std::string Nested(size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

// `depth` levels in total: the body object and depth-1 arrays inside it.
std::string Body(size_t depth) {
  return Cat({"{\"data\":", Nested(depth - 1), "}"});
}

std::string Array(size_t elements, const std::string& element = "1") {
  std::string s = "[";
  for (size_t i = 0; i < elements; ++i) {
    if (i) s += ",";
    s += element;
  }
  return s + "]";
}

std::string Object(size_t entries) {
  std::string s = "{";
  for (size_t i = 0; i < entries; ++i) {
    if (i) s += ",";
    s += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  return s + "}";
}

Status Check(std::string_view text,
             const JsonLimits& limits = kRequestJsonLimits) {
  return CheckJsonLimits(text, limits);
}

void ExpectRejected(std::string_view text, const char* message,
                    const JsonLimits& limits = kRequestJsonLimits) {
  Status s = Check(text, limits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text.substr(0, 80);
  EXPECT_EQ(s.message(), message);
}

TEST(JsonLimitsTest, VaultDefaults) {
  EXPECT_EQ(kMaxRequestBody, 32u << 20);
  EXPECT_EQ(kRequestJsonLimits.max_depth, 500u);
  EXPECT_EQ(kRequestJsonLimits.max_string_length, 1048576u);
  EXPECT_EQ(kRequestJsonLimits.max_object_entries, 10000u);
  EXPECT_EQ(kRequestJsonLimits.max_array_elements, 10000u);
}

TEST(JsonLimitsTest, DepthAtTheLimitPassesOneMoreFails) {
  EXPECT_TRUE(Check(Nested(500)).ok());
  EXPECT_TRUE(Check(Nested(500, '{', '}')).ok());  // (not JSON, but 500)
  EXPECT_TRUE(Check(Body(500)).ok());
  ExpectRejected(Nested(501), kJsonTooDeep);
  ExpectRejected(Body(501), kJsonTooDeep);
  // Objects and arrays count alike.
  std::string mixed;
  for (int i = 0; i < 250; ++i) mixed += "{\"a\":[";
  std::string closing;
  for (int i = 0; i < 250; ++i) closing += "]}";
  EXPECT_TRUE(Check(mixed + closing).ok());
  ExpectRejected(mixed + "[" + "]" + closing, kJsonTooDeep);
}

TEST(JsonLimitsTest, DepthIsWhatIsOpenAtOnce) {
  // 10,000 siblings one level down are depth 2, not 10,000.
  EXPECT_TRUE(Check(Array(10000, "[]")).ok());
  EXPECT_TRUE(Check(Cat({"[", Array(5000, Nested(400)), "]"})).ok());
}

TEST(JsonLimitsTest, HundredThousandDeepIsRejectedQuickly) {
  std::string deep = Cat({"{\"data\":", Nested(100000), "}"});
  auto start = std::chrono::steady_clock::now();
  ExpectRejected(deep, kJsonTooDeep);
  // Unclosed, and as the brackets of an object.
  ExpectRejected(std::string(100000, '['), kJsonTooDeep);
  ExpectRejected(std::string(100000, '{'), kJsonTooDeep);
  // ParseJson stops before nlohmann builds anything.
  EXPECT_EQ(ParseJson(deep, kRequestJsonLimits).status().message(),
            kJsonTooDeep);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(JsonLimitsTest, BracketsAndQuotesInsideStringsDoNotCount) {
  std::string open(1000, '['), brace(1000, '{'), close(1000, ']');
  std::string noise = Cat({"\"", open, "\\\"", brace, "\\\\,", close, "\""});
  std::string s = Cat({"{\"k\":", noise, ",\"a\":", Nested(499), "}"});
  EXPECT_TRUE(Check(s).ok());
  ExpectRejected(Cat({"{\"k\":", noise, ",\"a\":", Nested(500), "}"}),
                 kJsonTooDeep);
  // An escaped quote does not end the string; an escaped backslash before
  // the real closing quote does not hide it.
  EXPECT_TRUE(Check(Cat({"[\"\\\"[[[\",\"\\\\\",", Nested(499), "]"})).ok());
  ExpectRejected(Cat({"[\"\\\\\",", Nested(500), "]"}), kJsonTooDeep);
  // Commas inside strings are not elements.
  JsonLimits two = kRequestJsonLimits;
  two.max_array_elements = 2;
  EXPECT_TRUE(Check("[\",,,,,\",\"[,],[,]\"]", two).ok());
  ExpectRejected("[1,2,3]", kJsonTooManyElements, two);
}

TEST(JsonLimitsTest, StringLength) {
  std::string at = std::string(1 << 20, 'a');
  EXPECT_TRUE(Check("{\"v\":\"" + at + "\"}").ok());
  ExpectRejected("{\"v\":\"" + at + "b\"}", kJsonStringTooLong);
  // Keys too, as Vault counts them.
  ExpectRejected("{\"" + at + "b\":1}", kJsonStringTooLong);
  // Escapes count as written: 4 + 2 bytes.
  JsonLimits six = kRequestJsonLimits;
  six.max_string_length = 6;
  EXPECT_TRUE(Check("[\"abcd\\\"\"]", six).ok());
  ExpectRejected("[\"abcde\\\"\"]", kJsonStringTooLong, six);
  EXPECT_TRUE(Check("[\"\\u0041\"]", six).ok());
  ExpectRejected("[\"a\\u0041\"]", kJsonStringTooLong, six);
  // Numbers have the same cap.
  EXPECT_TRUE(Check("[123456,-1.5e3]", six).ok());
  ExpectRejected("[1234567]", kJsonNumberTooLong, six);
  ExpectRejected("{\"n\":-1.5e+10}", kJsonNumberTooLong, six);
}

TEST(JsonLimitsTest, ObjectEntries) {
  EXPECT_TRUE(Check(Object(10000)).ok());
  ExpectRejected(Object(10001), kJsonTooManyEntries);
  // Per object, not in total.
  EXPECT_TRUE(Check(Cat({"[", Object(6000), ",", Object(6000), "]"})).ok());
  // Duplicate keys count: nlohmann would keep one, but they were sent.
  JsonLimits two = kRequestJsonLimits;
  two.max_object_entries = 2;
  EXPECT_TRUE(Check("{\"a\":1,\"b\":{\"c\":2,\"d\":3}}", two).ok());
  ExpectRejected("{\"a\":1,\"a\":2,\"a\":3}", kJsonTooManyEntries, two);
  EXPECT_TRUE(Check("{}", two).ok());
}

TEST(JsonLimitsTest, ArrayElements) {
  EXPECT_TRUE(Check(Array(10000)).ok());
  ExpectRejected(Array(10001), kJsonTooManyElements);
  ExpectRejected(Cat({"{\"data\":{\"list\":", Array(10001, "\"x\""), "}}"}),
                 kJsonTooManyElements);
  EXPECT_TRUE(Check(Array(10000, "{}")).ok());
  EXPECT_TRUE(Check("[]").ok());
  EXPECT_TRUE(Check("[ ]").ok());
}

TEST(JsonLimitsTest, SyntaxIsLeftToTheParser) {
  // Stray or mismatched closers end the scan; the parser rejects them.
  EXPECT_TRUE(Check("]]]]").ok());
  EXPECT_TRUE(Check("[}").ok());
  EXPECT_TRUE(Check("").ok());
  EXPECT_TRUE(Check("\"unterminated").ok());
  EXPECT_TRUE(Check("[\"a\\").ok());
  EXPECT_TRUE(Check("nonsense").ok());
  auto parsed = ParseJson("{\"a\": ", kRequestJsonLimits);
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("parse error"), std::string::npos);
  EXPECT_FALSE(ParseJson("{}}", kRequestJsonLimits).ok());
  // A byte-order mark does not hide what follows it.
  ExpectRejected(Cat({"\xEF\xBB\xBF", Nested(501)}), kJsonTooDeep);
}

TEST(JsonLimitsTest, ParseJsonReturnsTheDocument) {
  auto parsed = ParseJson(Body(500), kRequestJsonLimits);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed.value().is_object());
  // A copy and a dump of the deepest allowed document are fine.
  nlohmann::json copy = parsed.value();
  EXPECT_EQ(copy.dump(), Body(500));
}

TEST(JsonLimitsTest, ParseJsonOrDiscarded) {
  EXPECT_TRUE(ParseJsonOrDiscarded(Body(500), kRequestJsonLimits).is_object());
  EXPECT_TRUE(
      ParseJsonOrDiscarded(Body(501), kRequestJsonLimits).is_discarded());
  EXPECT_TRUE(ParseJsonOrDiscarded("{", kRequestJsonLimits).is_discarded());
  EXPECT_EQ(ParseJsonOrDiscarded("[1]", kRequestJsonLimits),
            nlohmann::json::array({1}));
}

TEST(JsonLimitsTest, StoredLimitsBoundOnlyTheDepth) {
  std::string wide = Array(20000, "\"xxxxxxxxxx\"");
  EXPECT_TRUE(Check(wide, kStoredJsonLimits).ok());
  std::string long_string(2 << 20, 'a');
  EXPECT_TRUE(Check("[\"" + long_string + "\"]", kStoredJsonLimits).ok());
  EXPECT_TRUE(Check(Body(500), kStoredJsonLimits).ok());
  ExpectRejected(Body(501), kJsonTooDeep, kStoredJsonLimits);
}

}  // namespace
}  // namespace vk::logical
