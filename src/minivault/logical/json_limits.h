// Limits on the JSON minivault parses from requests, from other nodes and
// from storage, checked before nlohmann builds a document.
//
// nlohmann's parser (3.11) does not recurse, but copying, comparing and
// dumping a document do, once per level: a body nested 100,000 deep parses
// and then overflows the request thread's stack when the handler copies it.
// CheckJsonLimits scans the bytes without recursion, keeping one small frame
// per open container (never more than max_depth of them), so a document
// that passes it is at most max_depth deep wherever it goes afterwards.
//
// The request limits are Vault's listener defaults (max_request_size,
// max_json_depth, max_json_string_value_length, max_json_object_entry_count,
// max_json_array_element_count, added in Vault 1.16.25, 1.18.14, 1.19.9,
// 1.20.3 and 1.21), and the error texts are Vault's.
#ifndef MINIVAULT_LOGICAL_JSON_LIMITS_H_
#define MINIVAULT_LOGICAL_JSON_LIMITS_H_

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "kit/base/result.h"
#include "kit/base/status.h"

namespace vk::logical {

struct JsonLimits {
  // Containers open at once; the outermost '{' or '[' is depth 1.
  size_t max_depth;
  // Bytes between a string's quotes as written (an escape such as \" or
  // \u0041 counts every byte of it), for keys and values alike; also the
  // length of a number.
  size_t max_string_length;
  // Keys in one object (duplicates included) and elements in one array.
  size_t max_object_entries;
  size_t max_array_elements;
};

// Vault's defaults for request bodies.
inline constexpr size_t kMaxRequestBody = size_t{32} << 20;  // 32 MiB
inline constexpr JsonLimits kRequestJsonLimits{
    .max_depth = 500,
    .max_string_length = size_t{1} << 20,
    .max_object_entries = 10000,
    .max_array_elements = 10000,
};

// For what minivault reads back from storage. Only the depth is bounded:
// stored records are derived from requests (a KV v2 version is
// {"data": <the request's data>}, as deep as the request body was), but
// they may legitimately hold more entries, or longer escaped strings, than
// one request may.
inline constexpr JsonLimits kStoredJsonLimits{
    .max_depth = 500,
    .max_string_length = SIZE_MAX,
    .max_object_entries = SIZE_MAX,
    .max_array_elements = SIZE_MAX,
};

// Vault's texts for each limit.
inline constexpr char kJsonTooDeep[] =
    "JSON input exceeds allowed nesting depth";
inline constexpr char kJsonStringTooLong[] =
    "JSON string value exceeds allowed length";
inline constexpr char kJsonNumberTooLong[] =
    "JSON number value exceeds allowed length";
inline constexpr char kJsonTooManyEntries[] =
    "JSON object exceeds allowed entry count";
inline constexpr char kJsonTooManyElements[] =
    "JSON array exceeds allowed element count";

// Scans `text` in one pass, without recursion, in memory bounded by
// limits.max_depth. Returns kInvalidArgument with one of the texts above
// for the first limit exceeded, else OK.
//
// Syntax is the parser's job, not this scan's: the counts are exact for
// valid JSON, and the scan stops (OK) at a closing bracket that matches
// nothing, where every JSON parser fails too. Strings are told apart from
// structure exactly as a parser does ('"' opens and closes, '\' escapes the
// next byte), so brackets, quotes and commas inside strings never count.
Status CheckJsonLimits(std::string_view text, const JsonLimits& limits);

// CheckJsonLimits, then nlohmann's parse. kInvalidArgument with a limit's
// text, or with nlohmann's message for text that is not JSON.
Result<nlohmann::json> ParseJson(std::string_view text,
                                 const JsonLimits& limits);

// The same as nlohmann's json::parse(text, nullptr, false): a discarded
// value (is_discarded(), not an object) for text over a limit or not JSON.
// For callers that only check the shape of what they got.
nlohmann::json ParseJsonOrDiscarded(std::string_view text,
                                    const JsonLimits& limits);

}  // namespace vk::logical

#endif  // MINIVAULT_LOGICAL_JSON_LIMITS_H_
