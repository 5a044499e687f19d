#include "vaultkeep/ops/stream_thread.h"

namespace vk::ops {
namespace {

class PipeSink : public ByteSink {
 public:
  explicit PipeSink(BytePipe* pipe) : pipe_(pipe) {}
  Status Write(ByteSpan data) override { return pipe_->Write(data); }

 private:
  BytePipe* pipe_;
};

}  // namespace

StreamThread::StreamThread(Producer producer, size_t capacity)
    : pipe_(capacity) {
  thread_ = std::thread([this, producer = std::move(producer)] {
    PipeSink sink(&pipe_);
    Status st = producer(&sink);
    if (st.ok()) {
      pipe_.CloseWrite();
    } else {
      pipe_.Fail(st);
    }
    result_ = st;
  });
}

StreamThread::~StreamThread() { (void)Join(); }

Result<size_t> StreamThread::Read(MutableByteSpan dst) {
  return pipe_.Read(dst);
}

Status StreamThread::Join() {
  if (!joined_) {
    pipe_.CloseRead();
    thread_.join();
    joined_ = true;
  }
  return result_;
}

}  // namespace vk::ops
