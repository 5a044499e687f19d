// How Vault's HTTP answers and httpc's transport failures become Status
// values for vault::Client: one line per error, Vault's first "errors"
// entry, secrets scrubbed. Internal to src/vault.
#ifndef VAULTKEEP_VAULT_ERRORS_H_
#define VAULTKEEP_VAULT_ERRORS_H_

#include <string>
#include <string_view>

#include "kit/base/status.h"
#include "kit/httpc/client.h"
#include "vaultkeep/vault/client.h"

namespace vk::vault::internal {

// Vault's multierror text ("1 error occurred:\n\t* permission denied\n\n")
// and any other multi-line text, as one bounded line without control
// characters.
std::string OneLine(std::string_view text);

// The first of Vault's {"errors": [...]} as OneLine, or "" when the body
// has none.
std::string FirstError(const std::string& body);

// ASCII case-insensitive substring test.
bool Contains(std::string_view haystack, std::string_view needle);

// scheme://host:port of a redirect's Location (query and user info
// dropped), or a placeholder text when it has none.
std::string LocationOrigin(const httpc::Response& r);

// The Status for a response that is not the answer a call wanted:
// "<where>: HTTP <code>[: <first error>]", coded as client.h documents.
Status HttpError(const std::string& where, const httpc::Response& r);

// Whether HttpError's `s` for `r` is worth retrying (5xx/429, not sealed).
bool IsTransientHttp(const httpc::Response& r, const Status& s);

// Whether a transport failure happened before the request left (connect,
// name resolution), so that resending cannot apply it twice: httpc's
// TransportFailure detail says so.
bool IsUnsent(const Status& s);

// Rewrites httpc's transport errors (a stall included: "stalled: fewer
// than N byte/s for M s after B bytes") to start with `where`. Errors of a
// caller's sink or source are returned unchanged.
Status TransportError(const Status& s, const std::string& method,
                      const std::string& where);

// Replaces `secret` in a message with "<redacted>". Secrets shorter than 8
// bytes (a dev "root" token) are left alone: replacing them would garble
// ordinary words, and Vault never echoes them anyway.
Status Scrub(Status s, const std::string& secret);

}  // namespace vk::vault::internal

#endif  // VAULTKEEP_VAULT_ERRORS_H_
