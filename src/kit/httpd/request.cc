// Request and MemoryResponseWriter (server.h), and parsing the request
// target (request_parse.h).
#include <optional>

#include "kit/base/strings.h"
#include "kit/httpd/request_parse.h"
#include "kit/httpd/server.h"

namespace vk::httpd {
namespace internal {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `s`; nullopt on a malformed escape.
std::optional<std::string> Unescape(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

void SetHeaderIn(std::vector<std::pair<std::string, std::string>>& headers,
                 std::string name, std::string value) {
  for (auto& [n, v] : headers) {
    if (EqualsIgnoreCase(n, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::move(name), std::move(value));
}

bool ParseTarget(std::string_view target, Request& r) {
  target = target.substr(0, target.find('#'));
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  std::string_view raw_query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  // Absolute form ("http://host/path"), allowed by RFC 9112 for servers.
  if (raw_path.starts_with("http://") || raw_path.starts_with("https://")) {
    size_t slash = raw_path.find('/', raw_path.find("//") + 2);
    raw_path = slash == std::string_view::npos ? std::string_view("/")
                                               : raw_path.substr(slash);
  }
  std::optional<std::string> path = Unescape(raw_path, false);
  if (!path) return false;
  r.path = std::move(*path);
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view pair = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view()
                                              : raw_query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::optional<std::string> key = Unescape(pair.substr(0, eq), true);
    std::optional<std::string> value =
        eq == std::string_view::npos ? std::string()
                                     : Unescape(pair.substr(eq + 1), true);
    if (key && value) r.query.emplace_back(std::move(*key), std::move(*value));
  }
  return true;
}

bool HasBody(const Request& r) {
  if (r.Header("Transfer-Encoding")) return true;
  std::optional<std::string> length = r.Header("Content-Length");
  return length && length->find_first_not_of("0 \t") != std::string::npos;
}

}  // namespace internal

using internal::SetHeaderIn;

std::optional<std::string> Request::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::optional<std::string> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

ByteSource& Request::body() {
  return body_source != nullptr ? *body_source : empty_body_;
}

void MemoryResponseWriter::SetStatus(int status) {
  if (!committed_) status_ = status;
}

void MemoryResponseWriter::SetHeader(std::string name, std::string value) {
  if (!committed_) SetHeaderIn(headers_, std::move(name), std::move(value));
}

Status MemoryResponseWriter::Write(ByteSpan data) {
  if (committed_ && !streamed_) {
    return FailedPrecondition("Write after Send on an HTTP response");
  }
  committed_ = true;
  streamed_ = true;
  body_.append(AsChars(data));
  return Status::Ok();
}

std::optional<std::string> MemoryResponseWriter::header(
    std::string_view name) const {
  for (const auto& [k, v] : headers_) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

void MemoryResponseWriter::DoSend(int status, std::string body,
                                  std::string content_type) {
  if (committed_) return;
  status_ = status;
  if (!content_type.empty()) {
    SetHeaderIn(headers_, "Content-Type", std::move(content_type));
  }
  body_ = std::move(body);
  committed_ = true;
}

}  // namespace vk::httpd
