#include "vaultkeep/backup/blob_pipeline.h"

#include <algorithm>

#include "kit/crypto/sha256_batch.h"

namespace vk::backup {
namespace {

// After a chunk that zstd could not shrink, skip this many new chunks
// before probing again.
constexpr int kProbeInterval = 16;
// zstd -1 gets nearly all of level 3's ratio on Vault data at 3-4x the
// speed (restic-format.md §B.2); trees and metadata keep level 3.
constexpr int kZstdLevel = 1;

}  // namespace

BlobPipeline::BlobPipeline(repo::Repository* repo, int threads, bool compress,
                           size_t max_in_flight_bytes)
    : repo_(repo), compress_(compress), max_bytes_(max_in_flight_bytes) {
  if (threads <= 0) {
    threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

BlobPipeline::~BlobPipeline() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
}

bool BlobPipeline::ShouldCompress() {
  if (!compress_) return false;
  if (skip_left_ > 0) {
    --skip_left_;
    return false;
  }
  return true;
}

void BlobPipeline::ReportCompression(bool paid) {
  if (paid) {
    skip_left_ = 0;
  } else {
    skip_left_ = kProbeInterval;
  }
}

void BlobPipeline::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stop_ || !todo_.empty(); });
    if (stop_) return;
    std::shared_ptr<Job> job = std::move(todo_.front());
    todo_.pop_front();
    lock.unlock();

    std::vector<ByteSpan> spans;
    for (const Item& item : job->items) spans.push_back(AsBytes(item.chunk));
    std::vector<Sha256Digest> ids(spans.size());
    Sha256Batch(spans, ids.data());
    for (size_t k = 0; k < job->items.size(); ++k) {
      Item& item = job->items[k];
      ByteSpan data = spans[k];
      item.id = ids[k];
      if (!repo_->HasBlob(repo::BlobType::kData, item.id)) {
        bool try_zstd;
        {
          std::lock_guard g(mu_);
          try_zstd = ShouldCompress();
        }
        item.sealed = repo::SealBlob(repo_->key(), repo::BlobType::kData,
                                     item.id, data, try_zstd, kZstdLevel);
        if (try_zstd) {
          std::lock_guard g(mu_);
          ReportCompression(item.sealed->uncompressed_length != 0);
        }
      }
      item.chunk = std::string();  // free early; the sealed copy is enough
    }

    lock.lock();
    job->done = true;
    done_cv_.notify_all();
  }
}

Status BlobPipeline::CommitReady(std::unique_lock<std::mutex>& lock,
                                 bool wait) {
  while (!order_.empty()) {
    std::shared_ptr<Job> job = order_.front();
    if (!job->done) {
      if (!wait) return Status::Ok();
      done_cv_.wait(lock, [&] { return job->done; });
    }
    order_.pop_front();
    in_flight_bytes_ -= job->size;
    lock.unlock();
    Status st = Status::Ok();
    for (Item& item : job->items) {
      job->content->push_back(item.id);
      ++stats_.chunks;
      stats_.bytes += item.size;
      if (!item.sealed) continue;
      size_t stored = item.sealed->sealed.size();
      bool z = item.sealed->uncompressed_length != 0;
      auto added = repo_->SaveSealedBlob(std::move(*item.sealed));
      if (!added.ok()) {
        st = added.status();
        break;
      }
      if (*added) {
        ++stats_.new_chunks;
        stats_.new_bytes += item.size;
        stats_.stored_bytes += stored;
        stats_.compressed_chunks += z;
      }
    }
    lock.lock();
    if (!st.ok()) {
      if (error_.ok()) error_ = st;
      return st;
    }
  }
  return Status::Ok();
}

void BlobPipeline::QueueBatch() {
  if (!batch_) return;
  in_flight_bytes_ += batch_->size;
  order_.push_back(batch_);
  todo_.push_back(std::move(batch_));
  batch_.reset();
  work_cv_.notify_one();
}

Status BlobPipeline::Submit(std::string chunk,
                            std::vector<Sha256Digest>* content) {
  std::unique_lock lock(mu_);
  VK_RETURN_IF_ERROR(error_);
  if (batch_ && batch_->content != content) QueueBatch();
  if (!batch_) {
    batch_ = std::make_shared<Job>();
    batch_->content = content;
  }
  batch_->size += chunk.size();
  batch_->items.push_back(Item{.chunk = std::move(chunk)});
  batch_->items.back().size = batch_->items.back().chunk.size();
  if (batch_->size < kBatchBytes && batch_->items.size() < kBatchChunks) {
    return Status::Ok();
  }
  VK_RETURN_IF_ERROR(CommitReady(lock, false));
  // Bounded memory: commit (waiting for workers) until there is room.
  while (in_flight_bytes_ > 0 && in_flight_bytes_ + batch_->size > max_bytes_) {
    std::shared_ptr<Job> head = order_.front();
    done_cv_.wait(lock, [&] { return head->done; });
    VK_RETURN_IF_ERROR(CommitReady(lock, false));
  }
  QueueBatch();
  return Status::Ok();
}

Status BlobPipeline::Drain() {
  std::unique_lock lock(mu_);
  VK_RETURN_IF_ERROR(error_);
  QueueBatch();
  return CommitReady(lock, true);
}

}  // namespace vk::backup
