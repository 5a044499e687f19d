#include "vaultkeep/vault/errors.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "kit/base/strings.h"

namespace vk::vault::internal {

using nlohmann::json;

namespace {
constexpr size_t kMaxErrorText = 300;
}  // namespace

// Vault's multierror text ("1 error occurred:\n\t* permission denied\n\n")
// and any other multi-line text, as one bounded line.
std::string OneLine(std::string_view text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() &&
           (line.front() == ' ' || line.front() == '\t' || line.front() == '*'))
      line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
      line.remove_suffix(1);
    if (line.empty() || (line.ends_with("occurred:") &&
                         line.find("error") != std::string_view::npos))
      continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  for (char& ch : out) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  if (out.size() > kMaxErrorText) out = out.substr(0, kMaxErrorText) + "...";
  return out;
}

// The first of Vault's {"errors": [...]}, or "" when the body has none.
std::string FirstError(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return "";
  auto it = j.find("errors");
  if (it == j.end() || !it->is_array() || it->empty() ||
      !it->front().is_string())
    return "";
  return OneLine(it->front().get<std::string>());
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return AsciiLower(haystack).find(AsciiLower(needle)) != std::string::npos;
}

// scheme://host:port of a redirect's Location, or a placeholder.
std::string LocationOrigin(const httpc::Response& r) {
  std::string loc = r.Header("location").value_or("");
  size_t scheme_end = loc.find("://");
  if (scheme_end == std::string::npos) return "(no absolute Location)";
  size_t end = loc.find_first_of("/?#", scheme_end + 3);
  std::string authority = loc.substr(scheme_end + 3, end - scheme_end - 3);
  if (size_t at = authority.rfind('@'); at != std::string::npos)
    authority = authority.substr(at + 1);  // user info may hold secrets
  auto origin = NormalizeAddr(loc.substr(0, scheme_end + 3) + authority);
  return origin.ok() ? *origin : "(an invalid Location)";
}

// The Status for a response that is not the answer a call wanted.
Status HttpError(const std::string& where, const httpc::Response& r) {
  const int code = r.status;
  std::string err = FirstError(r.body);
  std::string msg = where + ": HTTP " + std::to_string(code);
  if (!err.empty()) msg += ": " + err;
  if (code >= 300 && code < 400) {
    std::string active = LocationOrigin(r);
    return FailedPrecondition(msg + ": the node is a standby; the active " +
                              "node is " + active)
        .WithDetail(std::make_shared<StandbyRedirect>(std::move(active)));
  }
  if (code == 403) return PermissionDenied(msg);
  if (code == 404) return NotFound(msg);
  // Vault answers "Vault is sealed" with 503; older servers (and proxies)
  // with 500. Either way retrying the call cannot help: the node waits for
  // its keys.
  if (code >= 500 && Contains(err, "Vault is sealed"))
    return FailedPrecondition(msg);
  if (code == 429 || code >= 500) return Unavailable(msg);
  if (code >= 400) return InvalidArgument(msg);
  return FailedPrecondition(msg + ": unexpected status");
}

bool IsTransientHttp(const httpc::Response& r, const Status& s) {
  return s.code() == StatusCode::kUnavailable &&
         (r.status == 429 || r.status == 500 || r.status == 502 ||
          r.status == 503 || r.status == 504);
}

bool IsUnsent(const Status& s) {
  const auto* t = s.detail<httpc::TransportFailure>();
  return t != nullptr && t->unsent;
}

// Rewrites httpc's transport errors to start with `where`. Errors of a
// caller's sink or source are returned unchanged.
Status TransportError(const Status& s, const std::string& method,
                      const std::string& where) {
  if (s.code() != StatusCode::kUnavailable ||
      !s.message().starts_with(method + " http"))
    return s;
  size_t colon = s.message().find(": ");
  if (colon == std::string::npos) return s;
  return s.WithMessage(where + s.message().substr(colon));
}

// Replaces `secret` in a message; short secrets (a dev "root" token) are
// left alone, as replacing them would garble ordinary words and Vault never
// echoes them anyway.
Status Scrub(Status s, const std::string& secret) {
  if (s.ok() || secret.size() < 8) return s;
  std::string m = s.message();
  for (size_t p; (p = m.find(secret)) != std::string::npos;)
    m.replace(p, secret.size(), "<redacted>");
  return s.WithMessage(std::move(m));
}

}  // namespace vk::vault::internal
