// One request in flight: the state the connection thread (libmicrohttpd's
// callbacks, server.cc) and the handler's worker thread share, and the
// worker itself. Internal to the httpd module.
#ifndef KIT_HTTPD_EXCHANGE_H_
#define KIT_HTTPD_EXCHANGE_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kit/base/byte_pipe.h"
#include "kit/httpd/server.h"

namespace vk::httpd::internal {

constexpr size_t kPipeCapacity = 256 * 1024;

// Whether the handler has committed, and how: kBuffered is one response
// with Content-Length (Send, or the handler returned), kStreaming a
// chunked body fed through Exchange::out (Write).
enum class Mode { kOpen, kBuffered, kStreaming };

struct Exchange;

// The handler's view of the upload; the first Read tells the connection
// thread that the handler wants the body.
class BodySource final : public ByteSource {
 public:
  explicit BodySource(Exchange* ex) : ex_(ex) {}
  Result<size_t> Read(MutableByteSpan dst) override;

 private:
  Exchange* ex_;
  bool noted_ = false;
};

// One request: shared by the connection thread (through MHD's per-request
// pointer and the streaming response) and the server's registry. The worker
// uses a plain pointer; it is always joined before the last owner lets go.
struct Exchange {
  ~Exchange() {
    Abort(Aborted("request abandoned"));
    Join();
  }
  void Abort(const Status& why) {
    body.Fail(why);
    out.Fail(why);
    std::lock_guard lock(mu);
    aborted = true;
    cv.notify_all();
  }
  void Join() {
    std::lock_guard lock(join_mu);
    if (worker.joinable()) worker.join();
  }

  // Connection thread only.
  std::string raw_target;
  bool started = false;
  bool discard_body = false;
  uint64_t discarded = 0;

  Request request;  // filled before the worker starts, then the worker's
  bool head = false;
  BodySource body_source{this};
  BytePipe body{kPipeCapacity};  // upload: connection thread -> handler
  BytePipe out{kPipeCapacity};   // streamed response: handler -> MHD

  std::mutex mu;
  std::condition_variable cv;
  bool body_wanted = false;   // guarded by mu
  bool handler_done = false;  // guarded by mu
  bool aborted = false;       // guarded by mu
  Mode mode = Mode::kOpen;    // guarded by mu
  // Written by the worker while mode is kOpen, read-only afterwards.
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  std::mutex join_mu;
  std::thread worker;
};

// Shared by MHD's per-request pointer, a streaming response and the
// server's registry of live requests.
using Holder = std::shared_ptr<Exchange>;

// The worker thread's body: runs `handler` on ex->request, then settles
// the response: an uncommitted one becomes buffered (a 500 if the handler
// threw), a streamed one is ended (truncated if it threw). Sets
// handler_done and wakes the connection thread.
void RunHandler(Exchange* ex, const Handler* handler);

}  // namespace vk::httpd::internal

#endif  // KIT_HTTPD_EXCHANGE_H_
