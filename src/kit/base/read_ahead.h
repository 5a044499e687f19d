// ReadAheadSource: runs an inner source on a background thread so that the
// stage producing bytes (file read + inflate) and the stage consuming them
// (tar parsing + SHA-256 + record scan) use two cores.
//
// Memory is bounded by depth * block_size. The inner source is read only by
// the background thread; the ReadAheadSource itself is used by one consumer
// thread. Destruction stops the producer and joins it (a producer blocked
// in a read of a pipe finishes that read first).
#ifndef KIT_BASE_READ_AHEAD_H_
#define KIT_BASE_READ_AHEAD_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "kit/base/byte_stream.h"

namespace vk {

class ReadAheadSource : public ByteSource {
 public:
  struct Options {
    size_t block_size = 1 << 20;
    size_t depth = 4;
  };
  // `inner` must outlive this object.
  ReadAheadSource(ByteSource* inner, Options options);
  explicit ReadAheadSource(ByteSource* inner)
      : ReadAheadSource(inner, Options()) {}
  ~ReadAheadSource() override;
  ReadAheadSource(const ReadAheadSource&) = delete;
  ReadAheadSource& operator=(const ReadAheadSource&) = delete;

  Result<size_t> Read(MutableByteSpan dst) override;

 private:
  struct Block {
    std::vector<uint8_t> data;
    size_t size = 0;
  };
  void Produce();

  ByteSource* inner_;
  Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Block> full_;   // guarded by mu_
  std::vector<Block> free_;  // guarded by mu_
  bool done_ = false;        // producer finished (EOF or error); guarded
  bool stop_ = false;        // consumer gone; guarded
  Status error_;             // guarded
  Block current_;            // consumer side only
  size_t current_pos_ = 0;   // consumer side only
  std::thread thread_;
};

}  // namespace vk

#endif  // KIT_BASE_READ_AHEAD_H_
