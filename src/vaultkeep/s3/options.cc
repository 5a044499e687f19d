#include "vaultkeep/s3/options.h"

#include <map>
#include <optional>

#include "kit/base/strings.h"
#include "vaultkeep/s3/credentials.h"
#include "vaultkeep/s3/location.h"
#include "vaultkeep/s3/s3_storage.h"

namespace vk::s3 {
namespace {

const char* const kKnown[] = {
    "s3.region",    "s3.bucket-lookup",       "s3.connections",
    "s3.part-size", "s3.multipart-threshold", "s3.stall-timeout"};

Result<std::map<std::string, std::string>> Split(
    const std::vector<std::string>& extended) {
  std::map<std::string, std::string> out;
  for (const std::string& kv : extended) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return InvalidArgument("-o " + Quote(kv) + ": expected key=value");
    std::string key = kv.substr(0, eq);
    bool known = false;
    for (const char* k : kKnown) known = known || key == k;
    if (!known) {
      return InvalidArgument("-o " + Quote(key) +
                             ": unknown option (known: s3.region, "
                             "s3.bucket-lookup, s3.connections, s3.part-size, "
                             "s3.multipart-threshold, s3.stall-timeout)");
    }
    out[key] = kv.substr(eq + 1);
  }
  return out;
}

Result<uint64_t> Number(const std::map<std::string, std::string>& m,
                        const std::string& key, uint64_t fallback, uint64_t min,
                        uint64_t max) {
  auto it = m.find(key);
  if (it == m.end()) return fallback;
  std::optional<uint64_t> v = ParseUint64(it->second);
  if (!v || *v < min || *v > max) {
    return InvalidArgument("-o " + key + "=" + it->second +
                           ": expected a number from " + std::to_string(min) +
                           " to " + std::to_string(max));
  }
  return *v;
}

}  // namespace

Result<S3Options> S3OptionsFor(const std::string& url,
                               const storage::DriverOptions& f) {
  VK_ASSIGN_OR_RETURN(auto m, Split(f.extended));
  S3Options o;
  VK_ASSIGN_OR_RETURN(o.location, ParseLocation(url));
  o.region = m.count("s3.region") ? m["s3.region"] : DefaultRegion();
  VK_ASSIGN_OR_RETURN(o.bucket_lookup,
                      ParseBucketLookup(m["s3.bucket-lookup"]));
  VK_ASSIGN_OR_RETURN(uint64_t conns, Number(m, "s3.connections", 5, 1, 64));
  o.connections = static_cast<int>(conns);
  VK_ASSIGN_OR_RETURN(o.part_size, Number(m, "s3.part-size", 16 << 20, 5 << 20,
                                          uint64_t{5} << 30));
  VK_ASSIGN_OR_RETURN(o.multipart_threshold,
                      Number(m, "s3.multipart-threshold", 64 << 20, 5 << 20,
                             uint64_t{5} << 30));
  VK_ASSIGN_OR_RETURN(uint64_t stall,
                      Number(m, "s3.stall-timeout", 60, 1, 3600));
  o.http.stall_timeout_s = static_cast<long>(stall);
  o.http.connect_timeout_ms = 10'000;
  o.http.ca_file = f.cacert;
  o.http.insecure_skip_verify = f.insecure_tls;
  VK_ASSIGN_OR_RETURN(o.credentials, LoadCredentials());
  return o;
}

storage::Driver S3Driver() {
  storage::Driver d;
  d.name = "s3";
  d.claims = [](std::string_view where) { return IsS3Url(where); };
  d.check = [](const std::string& where,
               const storage::DriverOptions& o) -> Status {
    return S3OptionsFor(where, o).status();
  };
  d.open = [](const std::string& where, const storage::DriverOptions& o,
              bool create) -> Result<std::unique_ptr<storage::Storage>> {
    VK_ASSIGN_OR_RETURN(S3Options so, S3OptionsFor(where, o));
    return OpenS3Storage(std::move(so), create);
  };
  return d;
}

}  // namespace vk::s3
