// PackUploader: names (SHA-256) and stores finished packs on a background
// thread so that the backup pipeline keeps chunking and sealing while a
// pack is hashed and stored (written and fsynced, or uploaded to S3). At most
// `max_queued` packs wait, so memory stays bounded; Wait() returns once every
// queued pack is stored and reports the first error. Write ordering is the
// caller's: it calls Wait() before writing an index file that names these
// packs.
#ifndef VAULTKEEP_REPO_PACK_UPLOADER_H_
#define VAULTKEEP_REPO_PACK_UPLOADER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "vaultkeep/storage/storage.h"

namespace vk::repo {

class PackUploader {
 public:
  PackUploader(storage::Storage* storage, size_t max_queued = 2)
      : storage_(storage), max_queued_(max_queued) {}
  ~PackUploader();  // finishes queued packs, then stops
  PackUploader(const PackUploader&) = delete;
  PackUploader& operator=(const PackUploader&) = delete;

  // Called on the uploader thread once the pack is stored, with its ID.
  using Stored = std::function<void(const std::string& id)>;
  // Blocks while the queue is full. Fails fast with an earlier error.
  Status Enqueue(std::string bytes, Stored on_stored);
  Status Wait();

 private:
  void Loop();

  storage::Storage* storage_;
  size_t max_queued_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, Stored>> queue_;
  bool busy_ = false;
  bool stop_ = false;
  Status error_;
  std::thread thread_;
};

}  // namespace vk::repo

#endif  // VAULTKEEP_REPO_PACK_UPLOADER_H_
