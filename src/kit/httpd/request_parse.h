// What the server makes of a request as it arrives, and header lists; shared
// by the server's files, not part of the module's API.
#ifndef KIT_HTTPD_REQUEST_PARSE_H_
#define KIT_HTTPD_REQUEST_PARSE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kit/httpd/server.h"

namespace vk::httpd::internal {

// Sets header `name` (case-insensitive) to `value`, replacing an earlier
// one, else appending it.
void SetHeaderIn(std::vector<std::pair<std::string, std::string>>& headers,
                 std::string name, std::string value);

// Fills r.path and r.query from the request target as sent. Fails only on
// a malformed escape in the path (Go's server answers those with 400).
bool ParseTarget(std::string_view target, Request& r);

// True when the request announces a body (Transfer-Encoding, or a
// Content-Length other than 0).
bool HasBody(const Request& r);

}  // namespace vk::httpd::internal

#endif  // KIT_HTTPD_REQUEST_PARSE_H_
