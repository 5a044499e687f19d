// Signed S3 requests with retries: the layer under the S3 Storage driver.
//
// Contracts:
//  - Do() signs every attempt afresh (x-amz-date moves on) and sends it on
//    one of at most `connections` pooled connections, waiting for one to
//    come free. It may be called from many threads at once.
//  - Retried, with the kit's backoff (kit/base/retry.h): transport failures
//    (refused, reset, stalled, timed out), 500/502/503/504, 429, and 400
//    RequestTimeout. Not retried: a failure after part of a response body
//    already reached the caller's sink (the caller resumes with a Range), a
//    failure of the sink itself, and every other status, which comes back
//    as a Response for the caller to interpret (404 may be an answer).
//  - Messages name the method and s3:scheme://endpoint/bucket/key, never a
//    header, the query string or a credential.
#ifndef VAULTKEEP_S3_S3_CLIENT_H_
#define VAULTKEEP_S3_S3_CLIENT_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kit/base/byte_stream.h"
#include "kit/base/clock.h"
#include "kit/base/result.h"
#include "kit/base/retry.h"
#include "kit/httpc/client.h"
#include "vaultkeep/s3/location.h"
#include "vaultkeep/s3/sigv4.h"

namespace vk::s3 {

struct S3Options {
  Location location;
  Credentials credentials;
  std::string region = "us-east-1";
  BucketLookup bucket_lookup = BucketLookup::kAuto;
  int connections = 5;  // restic's s3.connections default
  // Objects of at least this size are uploaded in parts of part_size (S3
  // wants parts of 5 MiB or more, all but the last).
  uint64_t multipart_threshold = 64 << 20;
  uint64_t part_size = 16 << 20;
  int list_page_size = 1000;  // max-keys per ListObjectsV2 page (S3's max)
  httpc::Options http;        // TLS settings, connect timeout, stall detection
  // Tries per request, the first included, and the waits between them.
  RetryPolicy retry{.attempts = 8,
                    .initial = std::chrono::milliseconds(200),
                    .max = std::chrono::milliseconds(10'000)};
  Clock* clock = &RealClock();  // retry waits; the time requests are signed
};

struct S3Request {
  std::string method = "GET";
  // Object key under the repository prefix; ignored when bucket_level.
  std::string key;
  bool bucket_level = false;  // the bucket itself: list, create, probe
  Headers query;              // decoded
  Headers headers;            // sent and signed
  ByteSpan body;              // sent when has_body; resent on retries
  bool has_body = false;
  ByteSink* sink = nullptr;  // receives 2xx bodies; else Response::body
  std::function<Status(const httpc::Response&)> on_headers;
  // Tries for this request; 0 means RetryPolicy::attempts. A caller that
  // must look around between tries (did the last one land?) sets 1 and
  // loops itself, calling WaitBeforeRetry(n) in between.
  int max_attempts = 0;

  // Filled in by Do: tries made, and bytes that reached `sink`.
  int attempts = 0;
  uint64_t delivered = 0;
};

class S3Client {
 public:
  explicit S3Client(S3Options o);
  ~S3Client();

  const S3Options& options() const { return o_; }

  // Returns the final response, whatever its status, unless the transfer
  // itself failed (kUnavailable after the retries, or the sink's error).
  Result<httpc::Response> Do(S3Request& r);

  // The Status for a response Do returned that is not what the caller
  // wanted: the code follows the HTTP status and S3 error code.
  Status ErrorFor(const S3Request& r, const httpc::Response& resp) const;

  // "<METHOD> s3:scheme://endpoint/bucket/prefix/key", for messages.
  std::string Describe(const S3Request& r) const;

  // Sleeps before try n+1 as the retry policy says (on options().clock).
  void WaitBeforeRetry(int n) const;

 private:
  struct Target {
    std::string url, host, path;
  };
  Target TargetFor(const S3Request& r) const;
  std::unique_ptr<httpc::Client> Take();
  void Give(std::unique_ptr<httpc::Client> c);

  S3Options o_;
  bool path_style_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<httpc::Client>> idle_;
  int leased_ = 0;
};

// True for responses worth another try (see the contract above).
bool IsRetryable(const httpc::Response& resp);

inline bool IsSuccess(const httpc::Response& resp) {
  return resp.status / 100 == 2;
}

// kUnavailable: `what`, and that `attempts` tries were made.
Status GaveUp(const std::string& what, int attempts);

}  // namespace vk::s3

#endif  // VAULTKEEP_S3_S3_CLIENT_H_
