// A parser for the subset of HCL (version 1) that Vault ACL policies use.
// Hand-written because no Debian package offers an HCL parser for C++.
#ifndef MINIVAULT_ACL_HCL_H_
#define MINIVAULT_ACL_HCL_H_

#include <nlohmann/json.hpp>
#include <string_view>

#include "kit/base/result.h"

namespace vk::acl {

// Maximum nesting of objects, lists and block labels. Deeper input is
// rejected rather than parsed, so hostile text cannot exhaust the stack.
inline constexpr int kMaxHclDepth = 32;

// Parses HCL text into a JSON object.
//
// Accepted syntax:
//   - attributes `key = value`; value is a string ("..." with escapes
//     \" \\ \n \t \r \/ \uXXXX \UXXXXXXXX), a heredoc (`<<EOF` or the indented
//     `<<-EOF`, whose common leading whitespace is removed), a number
//     (decimal integer, float, or 0x hex), true/false, a list `[v, ...]`
//     (trailing comma allowed) or an object `{ k = v ... }`;
//   - blocks `name "label" ... { body }` with zero or more labels, each a
//     quoted string or an identifier;
//   - comments `#`, `//` and `/* */`; items may be separated by newlines,
//     commas, or nothing.
//
// Result shape: a block becomes nested objects keyed by its name and then
// each label: `path "a" {..} path "b" {..}` -> {"path":{"a":{..},"b":{..}}}.
// Repeating a block with the same name and labels keeps every body, as
// HCL1's JSON form does: the value becomes a list of the bodies, in order.
// Repeating an attribute key keeps the last value. An attribute and a block
// sharing a key, or a block whose labels run into a non-object, is an error.
//
// Every string in the result is valid UTF-8 (invalid input bytes are
// rejected), so the JSON can always be serialised.
//
// Errors are kInvalidArgument, "hcl: <line>:<column>: expected ..., found
// ...", with 1-based line and byte column.
Result<nlohmann::json> ParseHcl(std::string_view text);

}  // namespace vk::acl

#endif  // MINIVAULT_ACL_HCL_H_
