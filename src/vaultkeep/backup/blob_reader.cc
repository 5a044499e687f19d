#include "vaultkeep/backup/blob_reader.h"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "kit/crypto/sha256_batch.h"

namespace vk::backup {
namespace {

struct Segment {
  std::string pack_id;
  uint64_t offset = 0;  // of the first blob
  uint64_t length = 0;  // bytes to fetch
  std::vector<repo::PackedBlob> blobs;
};

Result<std::vector<Segment>> PlanSegments(
    const repo::Repository& repo, const std::vector<Sha256Digest>& content,
    std::string_view what, size_t max_segment) {
  std::vector<Segment> segs;
  for (size_t i = 0; i < content.size(); ++i) {
    std::optional<repo::IndexEntry> e =
        repo.index().Find(repo::BlobType::kData, content[i]);
    if (!e) {
      return NotFound("data blob " + HexEncode(content[i]) + " (chunk " +
                      std::to_string(i) + " of " + std::string(what) +
                      ") is not in the repository index");
    }
    if (!segs.empty()) {
      Segment& s = segs.back();
      if (s.pack_id == e->pack_id && s.offset + s.length == e->blob.offset &&
          s.length + e->blob.length <= max_segment) {
        s.length += e->blob.length;
        s.blobs.push_back(e->blob);
        continue;
      }
    }
    segs.push_back(
        Segment{e->pack_id, e->blob.offset, e->blob.length, {e->blob}});
  }
  return segs;
}

Result<std::string> FetchSegment(repo::Repository& repo, const Segment& s) {
  StringSink stored;
  std::string key = repo::PackKey(s.pack_id);
  VK_RETURN_IF_ERROR(repo.storage().Get(key, s.offset, s.length, stored));
  if (stored.data().size() != s.length) {
    return Corruption(key + ": short read (pack truncated?)");
  }
  std::vector<std::string> plain;
  plain.reserve(s.blobs.size());
  for (const repo::PackedBlob& b : s.blobs) {
    ByteSpan sealed =
        AsBytes(stored.data()).subspan(b.offset - s.offset, b.length);
    auto p = repo::OpenBlob(repo.key(), b, sealed, /*check_id=*/false);
    if (!p.ok()) return p.status().WithContext(key);
    plain.push_back(std::move(*p));
  }
  // Every ID is checked before any byte of the segment is handed on.
  std::vector<ByteSpan> spans;
  for (const std::string& p : plain) spans.push_back(AsBytes(p));
  std::vector<Sha256Digest> ids(spans.size());
  Sha256Batch(spans, ids.data());
  std::string out;
  for (size_t i = 0; i < plain.size(); ++i) {
    if (ids[i] != s.blobs[i].id) {
      return repo::BlobIdMismatch(s.blobs[i]).WithContext(key);
    }
    out += plain[i];
  }
  return out;
}

}  // namespace

Status StreamContent(repo::Repository& repo,
                     const std::vector<Sha256Digest>& content,
                     std::string_view what, ByteSink& out,
                     const StreamOptions& options) {
  VK_ASSIGN_OR_RETURN(std::vector<Segment> segs,
                      PlanSegments(repo, content, what, options.max_segment));
  if (segs.empty()) return Status::Ok();
  int threads = options.threads;
  if (threads <= 0) {
    threads =
        static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  }
  threads = std::min<int>(threads, static_cast<int>(segs.size()));
  size_t window = options.window_segments
                      ? options.window_segments
                      : 2 * static_cast<size_t>(threads) + 2;

  std::mutex mu;
  std::condition_variable cv;
  std::map<size_t, Result<std::string>> ready;
  size_t next_task = 0;   // next segment a worker takes
  size_t next_write = 0;  // next segment the writer needs
  bool abort = false;

  auto work = [&] {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] {
        return abort || next_task >= segs.size() ||
               next_task < next_write + window;
      });
      if (abort || next_task >= segs.size()) return;
      size_t i = next_task++;
      lock.unlock();
      Result<std::string> r = FetchSegment(repo, segs[i]);
      lock.lock();
      ready.emplace(i, std::move(r));
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(work);

  Status st = Status::Ok();
  while (next_write < segs.size()) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return ready.count(next_write) > 0; });
    Result<std::string> r = std::move(ready.at(next_write));
    ready.erase(next_write);
    lock.unlock();
    if (r.ok())
      st = out.Write(AsBytes(*r));
    else
      st = r.status();
    lock.lock();
    ++next_write;
    if (!st.ok()) abort = true;
    cv.notify_all();
    if (!st.ok()) break;
  }
  for (auto& t : pool) t.join();
  return st;
}

Result<std::string> LoadContent(repo::Repository& repo,
                                const std::vector<Sha256Digest>& content,
                                std::string_view what, size_t limit) {
  std::string out;
  for (const Sha256Digest& id : content) {
    VK_ASSIGN_OR_RETURN(std::string part,
                        repo.LoadBlob(repo::BlobType::kData, id));
    out += part;
    if (out.size() > limit) {
      return FailedPrecondition(std::string(what) + " is larger than " +
                                std::to_string(limit) + " bytes");
    }
  }
  return out;
}

}  // namespace vk::backup
