#include "vaultkeep/s3/s3_client.h"

#include <spdlog/spdlog.h>

#include "kit/base/strings.h"
#include "kit/crypto/sha256.h"
#include "vaultkeep/s3/xml.h"

namespace vk::s3 {
namespace {

std::string FullKey(const Location& l, const std::string& key) {
  return l.prefix.empty() ? key : l.prefix + "/" + key;
}

}  // namespace

Status GaveUp(const std::string& what, int attempts) {
  return Unavailable(what + " (gave up after " + std::to_string(attempts) +
                     " attempts)");
}

bool IsRetryable(const httpc::Response& resp) {
  int s = resp.status;
  if (s == 429 || s == 500 || s == 502 || s == 503 || s == 504) return true;
  return s == 400 && ParseError(resp.body).code == "RequestTimeout";
}

S3Client::S3Client(S3Options o)
    : o_(std::move(o)),
      path_style_(UsesPathStyle(o_.location, o_.bucket_lookup)) {
  if (o_.connections < 1) o_.connections = 1;
  if (o_.retry.attempts < 1) o_.retry.attempts = 1;
}

S3Client::~S3Client() = default;

S3Client::Target S3Client::TargetFor(const S3Request& r) const {
  const Location& l = o_.location;
  Target t;
  std::string object =
      r.bucket_level ? "" : PercentEncode(FullKey(l, r.key), true);
  if (path_style_) {
    t.host = l.endpoint;
    t.path = "/" + l.bucket + (r.bucket_level ? "" : "/" + object);
  } else {
    t.host = l.bucket + "." + l.endpoint;
    t.path = "/" + object;
  }
  t.url = l.scheme + "://" + t.host + t.path;
  std::string query = CanonicalQuery(r.query);
  if (!query.empty()) t.url += "?" + query;
  return t;
}

std::string S3Client::Describe(const S3Request& r) const {
  std::string where = o_.location.ToString();
  if (!r.bucket_level) {
    where = "s3:" + o_.location.scheme + "://" + o_.location.endpoint + "/" +
            o_.location.bucket + "/" + FullKey(o_.location, r.key);
  }
  return r.method + " " + where;
}

std::unique_ptr<httpc::Client> S3Client::Take() {
  std::unique_lock<std::mutex> lock(mu_);
  freed_.wait(lock, [&] { return leased_ < o_.connections; });
  ++leased_;
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  lock.unlock();
  return std::make_unique<httpc::Client>(o_.http);
}

void S3Client::Give(std::unique_ptr<httpc::Client> c) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --leased_;
    if (c) idle_.push_back(std::move(c));
  }
  freed_.notify_one();
}

void S3Client::WaitBeforeRetry(int n) const {
  vk::WaitBeforeRetry(o_.retry, n, *o_.clock);
}

Result<httpc::Response> S3Client::Do(S3Request& r) {
  Target target = TargetFor(r);
  std::string payload_sha256(kEmptySha256);
  if (r.has_body) payload_sha256 = HexEncode(Sha256::Of(r.body));
  r.attempts = 0;
  r.delivered = 0;
  Status last;
  const int max = r.max_attempts > 0 ? r.max_attempts : o_.retry.attempts;
  for (int attempt = 1; attempt <= max; ++attempt) {
    if (attempt > 1) {
      std::chrono::milliseconds wait = Backoff(o_.retry, attempt - 1);
      spdlog::info("S3 {} {}: retry {} of {} in {} ms after: {}", r.method,
                   target.path, attempt, max, wait.count(), last.message());
      o_.clock->SleepFor(wait);
    }
    r.attempts = attempt;
    SigningRequest sr{r.method, target.host, target.path,
                      r.query,  r.headers,   payload_sha256};
    httpc::Request req;
    req.method = r.method;
    req.url = target.url;
    req.headers = r.headers;
    for (auto& h : Sign(sr, o_.credentials, o_.region, o_.clock->WallNow()))
      req.headers.push_back(std::move(h));
    MemorySource body(r.body);
    if (r.has_body) {
      req.body_source = &body;
      req.content_length = static_cast<int64_t>(r.body.size());
    }
    CountingSink counting(r.sink);
    if (r.sink != nullptr) req.response_sink = &counting;
    req.on_headers = r.on_headers;

    std::unique_ptr<httpc::Client> client = Take();
    Result<httpc::Response> resp = client->Do(req);
    // A connection that failed mid-request is not reused.
    Give(resp.ok() ? std::move(client) : nullptr);
    r.delivered += counting.count();

    if (resp.ok()) {
      if (!IsRetryable(*resp) || attempt == max) return resp;
      last = ErrorFor(r, *resp);
      continue;
    }
    if (resp.status().code() == StatusCode::kFailedPrecondition &&
        o_.location.scheme == "https") {
      return FailedPrecondition(resp.status().message() +
                                " (--cacert FILE trusts a private CA)");
    }
    if (resp.status().code() != StatusCode::kUnavailable ||
        counting.count() > 0) {
      return resp.status();
    }
    last = resp.status();
  }
  if (max == 1) return last;  // the caller counts its own tries
  return GaveUp(last.message(), r.attempts);
}

Status S3Client::ErrorFor(const S3Request& r,
                          const httpc::Response& resp) const {
  ErrorDoc e = ParseError(resp.body);
  std::string what = Describe(r) + ": HTTP " + std::to_string(resp.status);
  if (!e.code.empty()) what += " " + e.code;
  if (!e.message.empty()) what += ": " + e.message;
  const std::string& bucket = o_.location.bucket;
  switch (resp.status) {
    case 301:
    case 307: {
      std::string region = resp.Header("x-amz-bucket-region").value_or("");
      return FailedPrecondition(
          what + " (the bucket is in another region" +
          (region.empty() ? "" : ", " + region) +
          "; set -o s3.region=" + (region.empty() ? "REGION" : region) + ")");
    }
    case 401:
    case 403:
      if (e.code == "RequestTimeTooSkewed")
        return PermissionDenied(what + " (this machine's clock is off)");
      if (e.code == "InvalidAccessKeyId" || e.code == "SignatureDoesNotMatch") {
        return PermissionDenied(what +
                                " (check AWS_ACCESS_KEY_ID and "
                                "AWS_SECRET_ACCESS_KEY or the AWS_PROFILE)");
      }
      return PermissionDenied(
          what + " (check the credentials and the bucket's policy)");
    case 404:
      if (e.code == "NoSuchBucket") {
        return NotFound("bucket " + Quote(bucket) + " does not exist at " +
                        o_.location.scheme + "://" + o_.location.endpoint);
      }
      return NotFound(what);
    case 409:
    case 412:
      return FailedPrecondition(what);
    case 416:
      return InvalidArgument(what);
    default:
      break;
  }
  if (IsRetryable(resp)) {
    return GaveUp(what, r.attempts);
  }
  return FailedPrecondition(what);
}

}  // namespace vk::s3
