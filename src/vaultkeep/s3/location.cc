#include "vaultkeep/s3/location.h"

#include <vector>

#include "kit/base/strings.h"

namespace vk::s3 {
namespace {

// Bucket names as S3 allows them: 3-63 of [a-z0-9.-], starting and ending
// with a letter or digit. Underscores and capitals are accepted too (old
// us-east-1 buckets and some compatible stores have them); they force
// path-style addressing in kAuto.
bool PlausibleBucket(std::string_view b) {
  if (b.size() < 3 || b.size() > 255) return false;
  for (char ch : b) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
    if (!ok) return false;
  }
  return b.front() != '.' && b.front() != '-' && b.back() != '.' &&
         b.back() != '-';
}

bool DnsCompatible(std::string_view b) {
  if (b.size() > 63) return false;
  for (char ch : b)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
      return false;
  return true;
}

// The prefix cleaned as a path: empty and "." segments dropped; ".." is an
// error rather than a way out of the prefix.
Result<std::string> CleanPrefix(std::string_view p) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    std::string_view seg = p.substr(start, end - start);
    if (seg == "..") {
      return InvalidArgument("S3 repository prefix " + Quote(p) +
                             " must not contain \"..\"");
    }
    if (!seg.empty() && seg != ".") parts.emplace_back(seg);
    start = end + 1;
  }
  return Join(parts, "/");
}

std::string DropDefaultPort(std::string host, std::string_view scheme) {
  std::string_view port = scheme == "https" ? ":443" : ":80";
  if (host.ends_with(port) && host.find(']') == std::string::npos)
    host.resize(host.size() - port.size());
  return host;
}

}  // namespace

std::string Location::ToString() const {
  std::string s = "s3:" + scheme + "://" + endpoint + "/" + bucket;
  if (!prefix.empty()) s += "/" + prefix;
  return s;
}

bool IsS3Url(std::string_view s) { return s.starts_with("s3:"); }

Result<Location> ParseLocation(std::string_view s) {
  std::string original(s);
  if (!IsS3Url(s))
    return InvalidArgument(Quote(original) + " is not an s3: repository");
  s.remove_prefix(3);
  Location l;
  if (s.starts_with("http://") || s.starts_with("https://")) {
    l.scheme = s.starts_with("https://") ? "https" : "http";
    s.remove_prefix(l.scheme.size() + 3);
  } else if (s.starts_with("//")) {
    s.remove_prefix(2);
  }
  size_t slash = s.find('/');
  std::string_view host = s.substr(0, slash);
  std::string_view rest =
      slash == std::string_view::npos ? "" : s.substr(slash + 1);
  if (host.find('@') != std::string_view::npos) {
    return InvalidArgument(
        "S3 repository URLs must not carry credentials; set "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) instead");
  }
  if (host.empty() || host.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument("S3 repository " + Quote(original) +
                           ": no endpoint host (expected s3:host/bucket/prefix"
                           " or s3:https://host:port/bucket/prefix)");
  }
  l.endpoint = DropDefaultPort(AsciiLower(host), l.scheme);
  size_t bslash = rest.find('/');
  l.bucket = std::string(rest.substr(0, bslash));
  if (l.bucket.empty()) {
    return InvalidArgument("S3 repository " + Quote(original) +
                           ": no bucket name after the host");
  }
  if (!PlausibleBucket(l.bucket)) {
    return InvalidArgument("S3 repository " + Quote(original) + ": " +
                           Quote(l.bucket) + " is not a valid bucket name");
  }
  if (bslash != std::string_view::npos) {
    VK_ASSIGN_OR_RETURN(l.prefix, CleanPrefix(rest.substr(bslash + 1)));
  }
  return l;
}

Result<BucketLookup> ParseBucketLookup(std::string_view s) {
  if (s == "auto" || s.empty()) return BucketLookup::kAuto;
  if (s == "dns") return BucketLookup::kDns;
  if (s == "path") return BucketLookup::kPath;
  return InvalidArgument("s3.bucket-lookup must be auto, dns or path, not " +
                         Quote(s));
}

bool UsesPathStyle(const Location& l, BucketLookup lookup) {
  switch (lookup) {
    case BucketLookup::kPath:
      return true;
    case BucketLookup::kDns:
      return false;
    case BucketLookup::kAuto:
      break;
  }
  std::string host = l.endpoint.substr(0, l.endpoint.rfind(':'));
  bool cloud =
      host.ends_with("amazonaws.com") || host.ends_with("googleapis.com");
  return !(cloud && DnsCompatible(l.bucket));
}

}  // namespace vk::s3
