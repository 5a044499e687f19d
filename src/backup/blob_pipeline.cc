#include "backup/blob_pipeline.h"

#include <algorithm>

namespace vk::backup {
namespace {

// After a chunk that zstd could not shrink, skip this many new chunks
// before probing again.
constexpr int kProbeInterval = 16;

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

    ByteSpan data = AsBytes(job->chunk);
    job->id = Sha256::Of(data);
    if (!repo_->HasBlob(repo::BlobType::kData, job->id)) {
      bool try_zstd;
      {
        std::lock_guard g(mu_);
        try_zstd = ShouldCompress();
      }
      job->sealed = repo::SealBlob(repo_->key(), repo::BlobType::kData, job->id,
                                   data, try_zstd);
      if (try_zstd) {
        std::lock_guard g(mu_);
        ReportCompression(job->sealed->uncompressed_length != 0);
      }
    }
    job->chunk = std::string();  // free early; the sealed copy is enough

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
    job->content->push_back(job->id);
    ++stats_.chunks;
    stats_.bytes += job->size;
    if (job->sealed) {
      size_t stored = job->sealed->sealed.size();
      bool z = job->sealed->uncompressed_length != 0;
      auto added = repo_->SaveSealedBlob(std::move(*job->sealed));
      if (!added.ok()) {
        st = added.status();
      } else if (*added) {
        ++stats_.new_chunks;
        stats_.new_bytes += job->size;
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

Status BlobPipeline::Submit(std::string chunk,
                            std::vector<Sha256Digest>* content) {
  std::unique_lock lock(mu_);
  VK_RETURN_IF_ERROR(error_);
  VK_RETURN_IF_ERROR(CommitReady(lock, false));
  // Bounded memory: commit (waiting for workers) until there is room.
  while (in_flight_bytes_ > 0 && in_flight_bytes_ + chunk.size() > max_bytes_) {
    std::shared_ptr<Job> head = order_.front();
    done_cv_.wait(lock, [&] { return head->done; });
    VK_RETURN_IF_ERROR(CommitReady(lock, false));
  }
  auto job = std::make_shared<Job>();
  job->size = chunk.size();
  job->chunk = std::move(chunk);
  job->content = content;
  in_flight_bytes_ += job->size;
  order_.push_back(job);
  todo_.push_back(std::move(job));
  work_cv_.notify_one();
  return Status::Ok();
}

Status BlobPipeline::Drain() {
  std::unique_lock lock(mu_);
  VK_RETURN_IF_ERROR(error_);
  return CommitReady(lock, true);
}

}  // namespace vk::backup
