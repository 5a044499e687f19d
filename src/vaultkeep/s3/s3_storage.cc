#include "vaultkeep/s3/s3_storage.h"

#include <atomic>
#include <optional>

#include "kit/base/strings.h"
#include "vaultkeep/s3/multipart.h"
#include "vaultkeep/s3/xml.h"

namespace vk::s3 {
namespace {

using storage::kToEnd;
using storage::ObjectInfo;

// Parses "bytes <first>-<last>/<total>"; false when malformed.
bool ParseContentRange(std::string_view v, uint64_t* first, uint64_t* total) {
  if (!v.starts_with("bytes ")) return false;
  v.remove_prefix(6);
  size_t dash = v.find('-'), slash = v.find('/');
  if (dash == std::string_view::npos || slash == std::string_view::npos ||
      slash < dash)
    return false;
  std::optional<uint64_t> a = ParseUint64(v.substr(0, dash));
  std::optional<uint64_t> b = ParseUint64(v.substr(slash + 1));
  if (!a || !b) return false;
  *first = *a;
  *total = *b;
  return true;
}

class S3Storage : public storage::Storage {
 public:
  explicit S3Storage(S3Options o) : client_(std::move(o)) {}

  storage::Properties properties() const override {
    return {client_.options().location.ToString(),
            client_.options().connections};
  }

  Status Put(std::string_view key, ByteSpan data,
             storage::PutOptions options) override {
    VK_RETURN_IF_ERROR(storage::CheckKey(key));
    if (!options.overwrite) {
      Result<ObjectInfo> existing = Stat(key);
      if (existing.ok()) return AlreadyThere(key);
      if (existing.status().code() != StatusCode::kNotFound)
        return existing.status();
    }
    if (data.size() >= client_.options().multipart_threshold) {
      return PutMultipart(client_, std::string(key), data,
                          ExclusiveHeaders(options.overwrite));
    }
    S3Request r{.method = "PUT", .key = std::string(key)};
    r.headers = ExclusiveHeaders(options.overwrite);
    r.body = data;
    r.has_body = true;
    VK_ASSIGN_OR_RETURN(httpc::Response resp, client_.Do(r));
    if (IsSuccess(resp)) return Status::Ok();
    if (resp.status == 412) return AfterPreconditionFailed(r, key, data);
    if (resp.status == 501 && !r.headers.empty()) {
      // A store that does not implement conditional writes: say so once
      // and go on with the HEAD check alone.
      conditional_writes_.store(false);
      return Put(key, data, {.overwrite = true, .sync = options.sync});
    }
    return client_.ErrorFor(r, resp);
  }

  Status Get(std::string_view key, uint64_t offset, uint64_t length,
             ByteSink& sink) override {
    VK_RETURN_IF_ERROR(storage::CheckKey(key));
    if (length == 0) return CheckOffset(key, offset);
    S3Request r{.method = "GET", .key = std::string(key)};
    r.sink = &sink;
    uint64_t done = 0;
    std::string etag;
    uint64_t total = 0;
    int resumes = 0;
    while (true) {
      uint64_t from = offset + done;
      bool ranged = from > 0 || length != kToEnd;
      r.headers.clear();
      if (ranged) {
        std::string range = "bytes=" + std::to_string(from) + "-";
        if (length != kToEnd) range += std::to_string(offset + length - 1);
        r.headers.emplace_back("Range", range);
      }
      if (!etag.empty()) r.headers.emplace_back("If-Match", etag);
      r.on_headers = [&](const httpc::Response& resp) -> Status {
        if (etag.empty()) etag = resp.Header("etag").value_or("");
        if (!ranged) return Status::Ok();
        uint64_t first = 0;
        if (resp.status != 206 ||
            !ParseContentRange(resp.Header("content-range").value_or(""),
                               &first, &total) ||
            first != from) {
          return Corruption(client_.Describe(r) +
                            ": the server did not honour the byte range");
        }
        if (length != kToEnd && offset + length > total) {
          return InvalidArgument(client_.Describe(r) + ": range " +
                                 std::to_string(offset) + "+" +
                                 std::to_string(length) +
                                 " ends past the object's " +
                                 std::to_string(total) + " bytes");
        }
        return Status::Ok();
      };
      Result<httpc::Response> resp = client_.Do(r);
      done += r.delivered;
      if (!resp.ok()) {
        // Part of the body arrived before the connection failed: resume
        // from there, within the same bound on tries as any request.
        bool resumable = resp.status().code() == StatusCode::kUnavailable &&
                         r.delivered > 0;
        if (resumable && ++resumes < client_.options().retry.attempts)
          continue;
        return resp.status();
      }
      if (resp->status == 416) return CheckOffset(key, offset);
      if (!IsSuccess(*resp)) return client_.ErrorFor(r, *resp);
      break;
    }
    if (length != kToEnd && done != length) {
      return Corruption(client_.Describe(r) + ": got " + std::to_string(done) +
                        " of " + std::to_string(length) + " bytes");
    }
    return Status::Ok();
  }

  Result<ObjectInfo> Stat(std::string_view key) override {
    VK_RETURN_IF_ERROR(storage::CheckKey(key));
    S3Request r{.method = "HEAD", .key = std::string(key)};
    VK_ASSIGN_OR_RETURN(httpc::Response resp, client_.Do(r));
    if (resp.status == 404)
      return NotFound("no object " + Quote(key) + " in " +
                      client_.options().location.ToString());
    if (!IsSuccess(resp)) return client_.ErrorFor(r, resp);
    std::optional<uint64_t> size =
        ParseUint64(resp.Header("content-length").value_or(""));
    if (!size)
      return Corruption(client_.Describe(r) + ": no valid Content-Length");
    return ObjectInfo{std::string(key), *size};
  }

  Status List(std::string_view prefix,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    const std::string& root = client_.options().location.prefix;
    std::string strip = root.empty() ? "" : root + "/";
    S3Request r{.method = "GET", .bucket_level = true};
    std::string token;
    do {
      r.query = {{"list-type", "2"},
                 {"prefix", strip + std::string(prefix)},
                 {"max-keys",
                  std::to_string(client_.options().list_page_size)}};
      if (!token.empty()) r.query.emplace_back("continuation-token", token);
      VK_ASSIGN_OR_RETURN(httpc::Response resp, client_.Do(r));
      if (!IsSuccess(resp)) return client_.ErrorFor(r, resp);
      Result<ListPage> page = ParseListPage(resp.body);
      if (!page.ok()) return page.status().WithContext(client_.Describe(r));
      for (const ListedObject& o : page->objects) {
        if (!o.key.starts_with(strip)) continue;
        std::string key = o.key.substr(strip.size());
        // Folder markers and names restic would not write are not ours.
        if (!storage::CheckKey(key).ok()) continue;
        VK_RETURN_IF_ERROR(fn(ObjectInfo{std::move(key), o.size}));
      }
      token = page->truncated ? page->next_token : "";
    } while (!token.empty());
    return Status::Ok();
  }

  Status Remove(std::string_view key) override {
    VK_RETURN_IF_ERROR(Stat(key).status());
    S3Request r{.method = "DELETE", .key = std::string(key)};
    VK_ASSIGN_OR_RETURN(httpc::Response resp, client_.Do(r));
    if (IsSuccess(resp)) return Status::Ok();
    if (resp.status == 404)
      return NotFound("no object " + Quote(key) + " to remove");
    return client_.ErrorFor(r, resp);
  }

  S3Client& client() { return client_; }

 private:
  Headers ExclusiveHeaders(bool overwrite) const {
    if (overwrite || !conditional_writes_.load()) return {};
    return {{"If-None-Match", "*"}};
  }

  Status AlreadyThere(std::string_view key) const {
    return FailedPrecondition("object " + Quote(key) + " already exists in " +
                              client_.options().location.ToString());
  }

  // A 412 means the key is taken, unless our own earlier attempt of this
  // very Put created it and only its answer was lost: then the stored
  // object holds exactly our bytes.
  Status AfterPreconditionFailed(const S3Request& r, std::string_view key,
                                 ByteSpan data) {
    if (r.attempts > 1) {
      StringSink stored;
      if (Get(key, 0, kToEnd, stored).ok() &&
          stored.data() == std::string_view(AsChars(data)))
        return Status::Ok();
    }
    return AlreadyThere(key);
  }

  Status CheckOffset(std::string_view key, uint64_t offset) {
    VK_ASSIGN_OR_RETURN(ObjectInfo info, Stat(key));
    if (offset <= info.size) return Status::Ok();
    return InvalidArgument("offset " + std::to_string(offset) +
                           " is past the end of " + Quote(key) + " (" +
                           std::to_string(info.size) + " bytes)");
  }

  S3Client client_;
  std::atomic<bool> conditional_writes_{true};
};

}  // namespace

Result<std::unique_ptr<storage::Storage>> OpenS3Storage(S3Options o,
                                                        bool create_bucket) {
  auto s = std::make_unique<S3Storage>(std::move(o));
  S3Client& c = s->client();
  // A one-key listing rather than HEAD: its errors come with S3's codes
  // (NoSuchBucket, SignatureDoesNotMatch, ...), and listing is a right the
  // repository needs anyway.
  S3Request probe{.method = "GET",
                  .bucket_level = true,
                  .query = {{"list-type", "2"}, {"max-keys", "1"}}};
  // Under the repository's prefix, so that a policy granting ListBucket
  // only for that prefix is enough.
  if (!c.options().location.prefix.empty())
    probe.query.emplace_back("prefix", c.options().location.prefix + "/");
  VK_ASSIGN_OR_RETURN(httpc::Response resp, c.Do(probe));
  if (IsSuccess(resp)) return std::unique_ptr<storage::Storage>(std::move(s));
  if (resp.status != 404 || !create_bucket) {
    if (resp.status == 404) {
      return NotFound("bucket " + Quote(c.options().location.bucket) +
                      " does not exist at " + c.options().location.scheme +
                      "://" + c.options().location.endpoint +
                      " (vaultkeep init creates it)");
    }
    return c.ErrorFor(probe, resp);
  }
  S3Request create{.method = "PUT", .bucket_level = true};
  std::string body;
  if (c.options().region != "us-east-1") {
    body =
        "<CreateBucketConfiguration><LocationConstraint>" +
        c.options().region + "</LocationConstraint></CreateBucketConfiguration>";
  }
  create.body = AsBytes(body);
  create.has_body = true;
  VK_ASSIGN_OR_RETURN(resp, c.Do(create));
  // 409 BucketAlreadyOwnedByYou: someone (maybe a concurrent init) won.
  if (!IsSuccess(resp) && ParseError(resp.body).code != "BucketAlreadyOwnedByYou")
    return c.ErrorFor(create, resp);
  return std::unique_ptr<storage::Storage>(std::move(s));
}

}  // namespace vk::s3
