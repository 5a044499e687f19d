#include "kit/httpd/exchange.h"

#include "kit/httpd/request_parse.h"

namespace vk::httpd::internal {
namespace {

constexpr char kInternalErrorBody[] = R"({"errors":["internal server error"]})";

class ServerWriter final : public ResponseWriter {
 public:
  explicit ServerWriter(Exchange* ex) : ex_(ex) {}

  void SetStatus(int status) override {
    if (mode_ == Mode::kOpen) ex_->status = status;
  }
  void SetHeader(std::string name, std::string value) override {
    if (mode_ == Mode::kOpen) {
      SetHeaderIn(ex_->headers, std::move(name), std::move(value));
    }
  }
  Status Write(ByteSpan data) override {
    if (mode_ == Mode::kOpen) Commit(Mode::kStreaming);
    if (mode_ == Mode::kBuffered) {
      return FailedPrecondition("Write after Send on an HTTP response");
    }
    if (ex_->head) return Status::Ok();  // HEAD: the body is never sent
    return ex_->out.Write(data);
  }
  bool committed() const override { return mode_ != Mode::kOpen; }
  Mode mode() const { return mode_; }

 protected:
  void DoSend(int status, std::string body, std::string content_type) override {
    if (mode_ != Mode::kOpen) return;
    ex_->status = status;
    if (!content_type.empty()) {
      SetHeaderIn(ex_->headers, "Content-Type", std::move(content_type));
    }
    ex_->payload = std::move(body);
    Commit(Mode::kBuffered);
  }

 private:
  void Commit(Mode mode) {
    mode_ = mode;
    std::lock_guard lock(ex_->mu);
    ex_->mode = mode;
    ex_->cv.notify_all();
  }

  Exchange* ex_;
  Mode mode_ = Mode::kOpen;
};

}  // namespace

Result<size_t> BodySource::Read(MutableByteSpan dst) {
  if (!noted_) {
    noted_ = true;
    std::lock_guard lock(ex_->mu);
    ex_->body_wanted = true;
    ex_->cv.notify_all();
  }
  return ex_->body.Read(dst);
}

void RunHandler(Exchange* ex, const Handler* handler) {
  ServerWriter writer(ex);
  bool threw = false;
  try {
    (*handler)(ex->request, writer);
  } catch (...) {
    threw = true;
  }
  // Whatever the handler did not read is drained by the connection thread.
  ex->body.CloseRead();
  if (writer.mode() == Mode::kStreaming) {
    if (threw) {
      // Ends the chunked body without its terminator: the client sees a
      // truncated response, not a complete one.
      ex->out.Fail(Internal("the request handler failed mid-response"));
    } else {
      ex->out.CloseWrite();
    }
  }
  std::lock_guard lock(ex->mu);
  if (ex->mode == Mode::kOpen) {
    if (threw) {
      ex->status = 500;
      ex->headers = {{"Content-Type", "application/json"}};
      ex->payload = kInternalErrorBody;
    }
    ex->mode = Mode::kBuffered;
  }
  ex->handler_done = true;
  ex->cv.notify_all();
}

}  // namespace vk::httpd::internal
