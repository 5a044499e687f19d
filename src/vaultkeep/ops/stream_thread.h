// Runs a producer that writes into a ByteSink on its own thread and hands
// the bytes to the caller as a ByteSource, through a bounded BytePipe.
// This is how the network and the repository meet without a temporary
// file: a backup reads Vault's snapshot stream while the import pipeline
// consumes it; a restore rebuilds the archive while curl uploads it.
//
// Contract: Join() (also run by the destructor) closes the reading side
// first, so a producer blocked on a full pipe fails with kAborted instead
// of hanging, then waits for it and returns its status. The producer's
// error reaches the reader as the pipe's failure.
#ifndef VAULTKEEP_OPS_STREAM_THREAD_H_
#define VAULTKEEP_OPS_STREAM_THREAD_H_

#include <functional>
#include <thread>

#include "kit/base/byte_pipe.h"
#include "kit/base/byte_stream.h"

namespace vk::ops {

class StreamThread : public ByteSource {
 public:
  using Producer = std::function<Status(ByteSink* out)>;
  explicit StreamThread(Producer producer, size_t capacity = 4 << 20);
  ~StreamThread() override;
  StreamThread(const StreamThread&) = delete;
  StreamThread& operator=(const StreamThread&) = delete;

  Result<size_t> Read(MutableByteSpan dst) override;
  // Stops reading, waits for the producer, returns its status.
  Status Join();

 private:
  BytePipe pipe_;
  Status result_;
  bool joined_ = false;
  std::thread thread_;
};

}  // namespace vk::ops

#endif  // VAULTKEEP_OPS_STREAM_THREAD_H_
