// AWS Signature Version 4 for S3 requests (header-based authentication).
//
// Written over OpenSSL's HMAC-SHA256 rather than taken from a library:
// Debian 12 packages no maintained C++ S3 SDK (libs3 is C, signs with the
// retired V2 scheme and brings libxml2), and libcurl's CURLOPT_AWS_SIGV4
// hashes the payload itself, which rules out streaming bodies and the
// precomputed content hashes we already have. See docs/s3.md.
//
// Contract: Sign() returns the headers to add to a request so that an S3
// service accepts it: x-amz-date, x-amz-content-sha256, x-amz-security-token
// (temporary credentials only) and Authorization. Everything named in
// `headers` is signed too. The secret key never leaves this file except as
// a derived signature.
#ifndef VAULTKEEP_S3_SIGV4_H_
#define VAULTKEEP_S3_SIGV4_H_

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vk::s3 {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // set for temporary (STS) credentials only
};

// The payload hash S3 accepts when the body is not hashed in advance.
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty string, the payload hash of body-less requests.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SigningRequest {
  std::string method;
  std::string host;  // the Host header: host, or host:port when not default
  std::string path;  // the request path exactly as sent (already encoded)
  Headers query;     // decoded names and values
  Headers headers;   // further headers to sign (Range, If-None-Match, ...)
  std::string payload_sha256 = std::string(kEmptySha256);  // lowercase hex
};

// "name=value&..." sorted by encoded name, then value; both
// percent-encoded (kit/base/strings.h PercentEncode).
std::string CanonicalQuery(const Headers& query);

// 20130524T000000Z
std::string AmzDate(std::chrono::system_clock::time_point t);

// The canonical request for `r` signed at `amz_date` (exposed for tests and
// for the error message when a server reports SignatureDoesNotMatch).
std::string CanonicalRequest(const SigningRequest& r, const Credentials& c,
                             std::string_view amz_date);

Headers Sign(const SigningRequest& r, const Credentials& c,
             std::string_view region, std::chrono::system_clock::time_point t);

}  // namespace vk::s3

#endif  // VAULTKEEP_S3_SIGV4_H_
