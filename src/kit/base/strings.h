// Small string helpers shared across modules.
#ifndef KIT_BASE_STRINGS_H_
#define KIT_BASE_STRINGS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kit/base/result.h"

namespace vk {

// Quotes a name from untrusted input for an error message, like Go's %q
// for ASCII: "..." with \" and \\ escaped and any control or non-ASCII byte
// as \xNN, so a hostile name cannot forge or hide message text.
std::string Quote(std::string_view s);

// Standard base64 with padding (RFC 4648 §4), as Go's encoding/json writes
// []byte fields.
std::string Base64Encode(std::string_view in);
// Fails with kInvalidArgument on characters outside the alphabet, bad
// padding, or a length that is not a multiple of 4.
Result<std::string> Base64Decode(std::string_view in);

// ASCII-only case folding, as Go's strings.EqualFold does for ASCII and
// as HTTP header names and Go's encoding/json field matching need; bytes
// outside A-Z compare as they are.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string AsciiLower(std::string_view s);

// Go's strings.TrimSpace: ASCII white space off both ends (how restic reads
// password files; how vaultkeep reads token, key and namespace files).
std::string TrimSpace(std::string_view s);

// The environment variable's value, "" when unset.
std::string Getenv(const char* name);

// The parts with `sep` between them.
// The whole of `s` as a decimal number; nullopt when empty, when anything
// but digits is in it, or when it does not fit.
std::optional<uint64_t> ParseUint64(std::string_view s);

// RFC 3986 percent-encoding: unreserved characters (A-Z a-z 0-9 - . _ ~)
// stay, every other byte becomes %XX in uppercase hex, as URL query values
// and AWS Signature V4 want it; "/" stays too when keep_slash is set (paths).
std::string PercentEncode(std::string_view s, bool keep_slash = false);

std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// Overwrites a secret's bytes with explicit_bzero (which the compiler may
// not drop as a dead store) and empties it: for keys, tokens and passwords
// once they are no longer needed.
void Wipe(std::string& secret);
void Wipe(std::vector<std::string>& secrets);

}  // namespace vk

#endif  // KIT_BASE_STRINGS_H_
