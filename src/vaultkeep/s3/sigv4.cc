#include "vaultkeep/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "kit/base/strings.h"
#include "kit/crypto/sha256.h"

namespace vk::s3 {
namespace {

using Mac = std::array<uint8_t, 32>;

Mac Hmac(std::string_view key, std::string_view data) {
  Mac out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       out.data(), &len);
  return out;
}

std::string_view View(const Mac& m) {
  return {reinterpret_cast<const char*>(m.data()), m.size()};
}

// Header values are signed trimmed, with runs of spaces folded to one.
std::string CanonicalValue(std::string_view v) {
  std::string t = TrimSpace(v);
  std::string out;
  out.reserve(t.size());
  for (char ch : t) {
    if (ch == ' ' && !out.empty() && out.back() == ' ') continue;
    out += ch;
  }
  return out;
}

// Every header that is signed, lower-cased and sorted by name.
Headers SignedHeaders(const SigningRequest& r, const Credentials& c,
                      std::string_view amz_date) {
  Headers all;
  all.emplace_back("host", r.host);
  all.emplace_back("x-amz-content-sha256", r.payload_sha256);
  all.emplace_back("x-amz-date", std::string(amz_date));
  if (!c.session_token.empty())
    all.emplace_back("x-amz-security-token", c.session_token);
  for (const auto& [name, value] : r.headers)
    all.emplace_back(AsciiLower(name), CanonicalValue(value));
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.first < b.first;
  });
  return all;
}

std::string SignedHeaderNames(const Headers& signed_headers) {
  std::string names;
  for (const auto& [name, value] : signed_headers) {
    if (!names.empty()) names += ';';
    names += name;
  }
  return names;
}

}  // namespace

std::string CanonicalQuery(const Headers& query) {
  Headers encoded;
  for (const auto& [name, value] : query)
    encoded.emplace_back(PercentEncode(name), PercentEncode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[20];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string CanonicalRequest(const SigningRequest& r, const Credentials& c,
                             std::string_view amz_date) {
  Headers signed_headers = SignedHeaders(r, c, amz_date);
  std::string out = r.method + "\n" + r.path + "\n" + CanonicalQuery(r.query);
  out += '\n';
  for (const auto& [name, value] : signed_headers)
    out += name + ":" + value + "\n";
  out += '\n';
  out += SignedHeaderNames(signed_headers);
  out += '\n';
  out += r.payload_sha256;
  return out;
}

Headers Sign(const SigningRequest& r, const Credentials& c,
             std::string_view region, std::chrono::system_clock::time_point t) {
  std::string amz_date = AmzDate(t);
  std::string day = amz_date.substr(0, 8);
  std::string scope = day + "/" + std::string(region) + "/s3/aws4_request";
  std::string canonical = CanonicalRequest(r, c, amz_date);
  std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" +
                        HexEncode(Sha256::Of(AsBytes(canonical)));

  Mac k = Hmac("AWS4" + c.secret_access_key, day);
  k = Hmac(View(k), region);
  k = Hmac(View(k), "s3");
  k = Hmac(View(k), "aws4_request");
  Mac signature = Hmac(View(k), to_sign);

  Headers out;
  out.emplace_back("x-amz-date", amz_date);
  out.emplace_back("x-amz-content-sha256", r.payload_sha256);
  if (!c.session_token.empty())
    out.emplace_back("x-amz-security-token", c.session_token);
  out.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=" + c.access_key_id + "/" + scope +
          ", SignedHeaders=" + SignedHeaderNames(SignedHeaders(r, c, amz_date)) +
          ", Signature=" + HexEncode(ByteSpan(signature.data(), signature.size())));
  return out;
}

}  // namespace vk::s3
