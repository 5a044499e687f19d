#include "vaultkeep/s3/multipart.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "vaultkeep/s3/xml.h"

namespace vk::s3 {
namespace {

Result<std::string> Initiate(S3Client& c, const std::string& key) {
  S3Request r{.method = "POST", .key = key, .query = {{"uploads", ""}}};
  r.has_body = true;  // an empty body, as S3 expects for POST
  VK_ASSIGN_OR_RETURN(httpc::Response resp, c.Do(r));
  if (!IsSuccess(resp)) return c.ErrorFor(r, resp);
  Result<std::string> id = ParseUploadId(resp.body);
  if (!id.ok()) return id.status().WithContext(c.Describe(r));
  return id;
}

Result<std::string> UploadPart(S3Client& c, const std::string& key,
                               const std::string& upload_id, size_t number,
                               ByteSpan part) {
  S3Request r{.method = "PUT",
              .key = key,
              .query = {{"partNumber", std::to_string(number)},
                        {"uploadId", upload_id}}};
  r.body = part;
  r.has_body = true;
  VK_ASSIGN_OR_RETURN(httpc::Response resp, c.Do(r));
  if (!IsSuccess(resp)) return c.ErrorFor(r, resp);
  std::string etag = resp.Header("etag").value_or("");
  if (etag.empty())
    return Corruption(c.Describe(r) + ": part " + std::to_string(number) +
                      " was acknowledged without an ETag");
  return etag;
}

// Whether `key` holds an object of `size` bytes.
bool Landed(S3Client& c, const std::string& key, uint64_t size) {
  S3Request head{.method = "HEAD", .key = key};
  Result<httpc::Response> h = c.Do(head);
  return h.ok() && h->status == 200 &&
         h->Header("content-length") == std::to_string(size);
}

// Completes the upload, trying as often as the retry policy allows. When a
// try's answer is lost, the next one meets an upload that no longer exists
// (AWS: 404 NoSuchUpload; some stores: a 500): so before each retry the
// object is looked up, and one of our size means the earlier try landed.
Status Complete(S3Client& c, const std::string& key,
                const std::string& upload_id,
                const std::vector<std::string>& etags, const Headers& headers,
                uint64_t size) {
  std::string body = CompleteMultipartBody(etags);
  const int attempts = c.options().retry.attempts;
  Status last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      if (Landed(c, key, size)) return Status::Ok();
      c.WaitBeforeRetry(attempt - 1);
    }
    S3Request r{
        .method = "POST", .key = key, .query = {{"uploadId", upload_id}}};
    r.headers = headers;
    r.headers.emplace_back("Content-Type", "application/xml");
    r.body = AsBytes(body);
    r.has_body = true;
    r.max_attempts = 1;
    Result<httpc::Response> resp = c.Do(r);
    if (!resp.ok()) {
      if (resp.status().code() != StatusCode::kUnavailable)
        return resp.status();
      last = resp.status();
      continue;
    }
    // S3 may answer 200 and report a failure in the body, having kept the
    // connection alive while it assembled the parts.
    ErrorDoc e = ParseError(resp->body);
    if (IsSuccess(*resp) && e.code.empty()) return Status::Ok();
    if (IsSuccess(*resp)) resp->status = e.code == "InternalError" ? 500 : 400;
    r.attempts = attempt;  // for ErrorFor's "gave up after N attempts"
    last = c.ErrorFor(r, *resp);
    bool again = IsRetryable(*resp) || (resp->status == 404 && attempt > 1);
    if (!again || attempt == attempts) return last;
  }
  return GaveUp(last.message(), attempts);
}

Status Abort(S3Client& c, const std::string& key,
             const std::string& upload_id) {
  S3Request r{
      .method = "DELETE", .key = key, .query = {{"uploadId", upload_id}}};
  VK_ASSIGN_OR_RETURN(httpc::Response resp, c.Do(r));
  if (IsSuccess(resp) || resp.status == 404) return Status::Ok();
  return c.ErrorFor(r, resp);
}

}  // namespace

Status PutMultipart(S3Client& c, const std::string& key, ByteSpan data,
                    const Headers& complete_headers) {
  const uint64_t part_size = std::max<uint64_t>(c.options().part_size, 1);
  const size_t parts =
      static_cast<size_t>((data.size() + part_size - 1) / part_size);
  VK_ASSIGN_OR_RETURN(std::string upload_id, Initiate(c, key));

  std::vector<std::string> etags(parts);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first_error;
  auto worker = [&] {
    for (size_t i; !failed.load() && (i = next.fetch_add(1)) < parts;) {
      size_t begin = i * part_size;
      size_t len = std::min<size_t>(part_size, data.size() - begin);
      Result<std::string> etag =
          UploadPart(c, key, upload_id, i + 1, data.subspan(begin, len));
      if (etag.ok()) {
        etags[i] = std::move(*etag);
        continue;
      }
      std::lock_guard<std::mutex> lock(mu);
      if (!failed.exchange(true)) first_error = etag.status();
    }
  };
  size_t threads = std::min<size_t>(parts, c.options().connections);
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  Status st = failed.load() ? first_error
                            : Complete(c, key, upload_id, etags,
                                       complete_headers, data.size());
  if (st.ok()) return st;
  Status aborted = Abort(c, key, upload_id);
  if (!aborted.ok()) {
    return Status(st.code(), st.message() +
                                 "; aborting the upload failed too (" +
                                 aborted.message() + ")");
  }
  return st;
}

}  // namespace vk::s3
