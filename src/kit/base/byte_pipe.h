// BytePipe: a bounded, blocking byte pipe between one writer thread and one
// reader thread. The HTTP server uses two per request (one carries the
// upload from the connection thread to the handler, the other the streamed
// response back); a live backup and a restore use one between the network
// and the repository. The bound is the backpressure: a writer blocks while the
// pipe is full, so neither side ever holds more than `capacity` bytes.
#ifndef KIT_BASE_BYTE_PIPE_H_
#define KIT_BASE_BYTE_PIPE_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "kit/base/byte_stream.h"
#include "kit/base/status.h"

namespace vk {

class BytePipe {
 public:
  // The buffer is allocated on the first Write, so an unused pipe is cheap.
  explicit BytePipe(size_t capacity);
  BytePipe(const BytePipe&) = delete;
  BytePipe& operator=(const BytePipe&) = delete;

  // Blocks until all of `data` is buffered. Fails once the reader has
  // closed (kAborted) or the pipe failed (that status). Writing after
  // CloseWrite is a bug and fails with kInternal.
  Status Write(ByteSpan data);
  // End of stream: the reader gets 0 once it has drained the buffer.
  void CloseWrite();

  // Blocks until at least one byte is available (returns up to dst.size()),
  // the writer has closed and the buffer is empty (returns 0), or the pipe
  // failed (returns that status, even if bytes are still buffered).
  Result<size_t> Read(MutableByteSpan dst);
  // The reader is no longer interested: buffered bytes are dropped and
  // blocked or later writes fail with kAborted.
  void CloseRead();

  // Fails both sides at once with `status` (must not be OK). The first
  // failure wins; later calls are no-ops. Wakes every blocked call.
  void Fail(Status status);

  // Bytes currently buffered (for tests).
  size_t buffered() const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<uint8_t> buf_;   // ring buffer; guarded by mu_
  size_t head_ = 0;            // index of the oldest byte; guarded
  size_t size_ = 0;            // bytes buffered; guarded
  bool write_closed_ = false;  // guarded
  bool read_closed_ = false;   // guarded
  Status error_;               // guarded
};

}  // namespace vk

#endif  // KIT_BASE_BYTE_PIPE_H_
