// Go-compatible string encodings that restic's JSON depends on
// (restic-format.md §A.4):
//
//  * GoQuote / GoUnquote: Go's strconv.Quote / strconv.Unquote without the
//    outer quotes. restic quotes a node's name this way before JSON-encoding
//    it, so a file name that is not valid UTF-8 (any byte string is a valid
//    Unix name) survives the trip through JSON, which can only carry UTF-8.
//  * AppendGoJson*: compact JSON as Go's encoding/json writes it (escapes,
//    HTML-escaping of <>&, U+2028/U+2029), so that objects we encode are
//    byte-identical to restic's and get the same IDs.
#ifndef VAULTKEEP_REPO_GO_QUOTE_H_
#define VAULTKEEP_REPO_GO_QUOTE_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "kit/base/result.h"

namespace vk::repo {

// strconv.Quote(s) without the surrounding double quotes. Bytes that are not
// valid UTF-8 become \xNN; non-printable runes become \a \b \f \n \r \t \v,
// \xNN (below U+0020 and U+007F), \uNNNN or \UNNNNNNNN; `"` and `\` are
// backslashed; printable runes are copied as they are.
//
// "Printable" approximates Go's unicode.IsPrint (letters, marks, numbers,
// punctuation, symbols and ASCII space) without Unicode tables: everything
// is printable except C0/C1 controls and DEL, surrogates, U+2028/U+2029,
// the other space separators (U+00A0, U+1680, U+2000-U+200A, U+202F,
// U+205F, U+3000), common format characters (U+00AD, U+061C, U+180E,
// U+200B-U+200F, U+202A-U+202E, U+2060-U+206F, U+FEFF, U+FFF9-U+FFFB and
// the other Cf characters of Unicode 13-15), private-use areas and the
// noncharacters U+FDD0-U+FDEF and U+xFFFE/U+xFFFF. Unassigned code points,
// which Go escapes, are kept as is (no Unicode tables here). Either spelling
// unquotes to the same bytes, so restic reads both; a difference only
// changes the tree's ID. Checked against restic 0.14 (Go 1.19, Unicode 13):
// the names of all 254 possible single bytes, 36 chosen code points and 5
// invalid UTF-8 sequences were quoted identically, except 3 unassigned
// code points.
std::string GoQuote(std::string_view s);

// strconv.Unquote("\"" + s + "\""). Accepts \a \b \f \n \r \t \v \\ \"
// \xNN \NNN (octal, at most \377) \uNNNN \UNNNNNNNN (valid, non-surrogate
// code points). Fails with kCorruption, as Go does, on an unescaped `"` or
// newline, a trailing or unknown escape (including \'), or bad digits.
// Raw bytes that are not valid UTF-8 become U+FFFD, as in Go.
Result<std::string> GoUnquote(std::string_view s);

// Appends s as a JSON string literal the way Go 1.19's encoding/json writes
// it (restic 0.14 is built with Go 1.19): `"` and `\` backslashed; \n \r \t;
// other bytes below 0x20 and < > & as \u00xx; U+2028/U+2029 as \u2028 and
// \u2029; each invalid UTF-8 byte as \ufffd; everything else raw.
void AppendGoJsonString(std::string_view s, std::string* out);

// Appends a JSON value compactly with Go string escaping. Object keys keep
// the order of `v` (ordered_json keeps input order; restic writes struct
// fields in declaration order and map keys sorted). Numbers and literals are
// written by nlohmann.
void AppendGoJson(const nlohmann::ordered_json& v, std::string* out);

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_GO_QUOTE_H_
