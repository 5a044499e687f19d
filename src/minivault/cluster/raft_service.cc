#include "minivault/cluster/raft_service.h"

#include "minivault/raft/wire.h"

namespace vk::minivault {
namespace {

// A batch holds at most a few hundred appends of bounded commands.
constexpr size_t kMaxBatchBody = size_t{512} << 20;

}  // namespace

void ServeCluster(RaftHost& host, httpd::Request& req,
                  httpd::ResponseWriter& w) {
  if (req.path == "/v1/raft/messages" && req.method == "POST") {
    auto body = ReadAllBounded(req.body(), kMaxBatchBody);
    if (!body.ok()) {
      bool large = body.status().code() == StatusCode::kInvalidArgument;
      return w.Send(large ? 413 : 400, body.status().message(), "text/plain");
    }
    auto msgs = raft::DecodeMessages(body.value());
    if (!msgs.ok()) return w.Send(400, msgs.status().message(), "text/plain");
    host.Receive(std::move(msgs).value(), SenderOf(req));
    return w.Send(204, "", "text/plain");
  }
  if (req.path == "/v1/raft/state" && req.method == "GET") {
    return ServeState(host.store(), req, w, std::chrono::seconds(30));
  }
  w.Send(404, "not found\n", "text/plain");
}

}  // namespace vk::minivault
