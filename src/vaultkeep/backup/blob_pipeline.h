// BlobPipeline: stores a stream of chunks as data blobs, with the expensive
// work (SHA-256, zstd, sealing) on worker threads and everything that
// touches shared state (pack writing, the file's content list) on the
// caller's thread, in submission order.
//
// A worker first hashes the chunk and asks the repository whether the blob
// is known; only new chunks are compressed and sealed, so an incremental
// backup costs little more than hashing. Compression is adaptive: once
// zstd stops paying for a file's chunks (Vault values are ciphertext), the
// pipeline only probes every 16th new chunk until it pays again.
//
// Memory is bounded: Submit() blocks while `max_in_flight_bytes` of chunks
// are queued or being worked on. Chunks travel in batches of about
// kBatchBytes: with 8 KiB chunks, a thread hand-off per chunk would cost as
// much CPU as hashing it.
#ifndef VAULTKEEP_BACKUP_BLOB_PIPELINE_H_
#define VAULTKEEP_BACKUP_BLOB_PIPELINE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "vaultkeep/repo/repository.h"

namespace vk::backup {

struct PipelineStats {
  uint64_t chunks = 0;
  uint64_t bytes = 0;  // plaintext submitted
  uint64_t new_chunks = 0;
  uint64_t new_bytes = 0;     // plaintext of new blobs
  uint64_t stored_bytes = 0;  // sealed bytes of new blobs
  uint64_t compressed_chunks = 0;
};

class BlobPipeline {
 public:
  // `threads` <= 0: one per core.
  BlobPipeline(repo::Repository* repo, int threads, bool compress,
               size_t max_in_flight_bytes = 32 << 20);
  ~BlobPipeline();
  BlobPipeline(const BlobPipeline&) = delete;
  BlobPipeline& operator=(const BlobPipeline&) = delete;

  // Queues a chunk whose ID is to be appended to `*content` in submission
  // order. `content` must stay valid until Drain() returns.
  Status Submit(std::string chunk, std::vector<Sha256Digest>* content);
  // Waits for every submitted chunk and stores the new ones. Returns the
  // first error the pipeline hit.
  Status Drain();

  const PipelineStats& stats() const { return stats_; }

 private:
  static constexpr size_t kBatchBytes = 256 << 10;
  static constexpr size_t kBatchChunks = 64;
  struct Item {
    std::string chunk;
    size_t size = 0;
    Sha256Digest id;
    std::optional<repo::SealedBlob> sealed;  // set if the blob is new
  };
  struct Job {
    std::vector<Item> items;
    std::vector<Sha256Digest>* content = nullptr;
    size_t size = 0;
    bool done = false;
  };
  // Queues the open batch (mu_ held).
  void QueueBatch();
  void Work();
  bool ShouldCompress();
  void ReportCompression(bool paid);
  // Commits finished jobs at the head of the queue; `wait` blocks for the
  // head. Called with mu_ held (through `lock`).
  Status CommitReady(std::unique_lock<std::mutex>& lock, bool wait);

  repo::Repository* repo_;
  bool compress_;
  size_t max_bytes_;

  std::mutex mu_;
  std::condition_variable work_cv_;         // workers: a job was queued / stop
  std::condition_variable done_cv_;         // caller: a job finished
  std::deque<std::shared_ptr<Job>> order_;  // submitted, not committed
  std::deque<std::shared_ptr<Job>> todo_;   // not yet taken by a worker
  std::shared_ptr<Job> batch_;              // being filled by Submit
  size_t in_flight_bytes_ = 0;
  bool stop_ = false;
  std::vector<std::thread> workers_;

  // Adaptive compression (guarded by mu_).
  int skip_left_ = 0;

  Status error_;
  PipelineStats stats_;
};

}  // namespace vk::backup

#endif  // VAULTKEEP_BACKUP_BLOB_PIPELINE_H_
