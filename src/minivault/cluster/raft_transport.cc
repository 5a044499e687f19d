#include "minivault/cluster/raft_transport.h"

#include <chrono>

#include "kit/httpc/client.h"
#include "kit/snapshot/meta.h"
#include "minivault/raft/wire.h"

namespace vk::minivault {
namespace {

// Bounds what waits for a slow or dead peer; raft resends what matters.
constexpr size_t kMaxQueued = 4096;
constexpr size_t kMaxBatch = 256;
constexpr size_t kMaxMetaSize = 16 << 20;

void AddIdentity(httpc::Request& r, const PeerIdentity& self) {
  r.headers.emplace_back(kHeaderNodeId, self.node_id);
  r.headers.emplace_back(kHeaderClusterAddr, self.cluster_addr);
  r.headers.emplace_back(kHeaderApiAddr, self.api_addr);
}

}  // namespace

PeerSender::PeerSender(std::string address, PeerIdentity self)
    : address_(std::move(address)), self_(std::move(self)) {
  thread_ = std::thread([this] { Run(); });
}

PeerSender::~PeerSender() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PeerSender::Send(raft::Message m) {
  {
    std::lock_guard l(mu_);
    if (queue_.size() >= kMaxQueued) queue_.pop_front();
    queue_.push_back(std::move(m));
  }
  cv_.notify_one();
}

void PeerSender::SetAddress(std::string address) {
  std::lock_guard l(mu_);
  address_ = std::move(address);
}

void PeerSender::Run() {
  httpc::Options opt;
  opt.connect_timeout_ms = 1000;
  opt.timeout_ms = 10000;
  httpc::Client client(opt);
  std::unique_lock l(mu_);
  while (true) {
    cv_.wait(l, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    std::vector<raft::Message> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    std::string address = address_;
    l.unlock();
    httpc::Request req;
    req.method = "POST";
    req.url = "http://" + address + "/v1/raft/messages";
    req.body = raft::EncodeMessages(batch);
    req.headers.emplace_back("Content-Type", "application/octet-stream");
    AddIdentity(req, self_);
    auto resp = client.Do(req);
    bool failed = !resp.ok() || resp.value().status / 100 != 2;
    l.lock();
    if (failed && !stop_) {
      // The peer is down or restarting: pause instead of spinning.
      cv_.wait_for(l, std::chrono::milliseconds(200), [&] { return stop_; });
    }
  }
}

PeerIdentity SenderOf(const httpd::Request& req) {
  PeerIdentity p;
  p.node_id = req.Header(kHeaderNodeId).value_or("");
  p.cluster_addr = req.Header(kHeaderClusterAddr).value_or("");
  p.api_addr = req.Header(kHeaderApiAddr).value_or("");
  return p;
}

namespace {

// Parses the framing of GET /v1/raft/state and feeds state.bin into a
// pending restore as it arrives.
class StateSink : public ByteSink {
 public:
  explicit StateSink(fsm::Store* store) : store_(store) {}

  Status Write(ByteSpan data) override {
    std::string_view in = AsChars(data);
    while (!in.empty()) {
      if (pending_) {
        VK_RETURN_IF_ERROR(pending_->Feed(AsBytes(in)));
        return Status::Ok();
      }
      head_.append(in);
      in = {};
      if (head_.size() < 4) return Status::Ok();
      uint32_t len =
          (static_cast<uint32_t>(static_cast<uint8_t>(head_[0])) << 24) |
          (static_cast<uint32_t>(static_cast<uint8_t>(head_[1])) << 16) |
          (static_cast<uint32_t>(static_cast<uint8_t>(head_[2])) << 8) |
          static_cast<uint8_t>(head_[3]);
      if (len > kMaxMetaSize) return Corruption("raft state header too large");
      if (head_.size() < 4 + len) return Status::Ok();
      VK_ASSIGN_OR_RETURN(meta_, snapshot::ParseMeta(head_.substr(4, len)));
      if (meta_.size < 0) return Corruption("raft state with a negative size");
      VK_ASSIGN_OR_RETURN(pending_, store_->BeginRestore(meta_.size));
      std::string rest = head_.substr(4 + len);
      head_.clear();
      if (!rest.empty()) VK_RETURN_IF_ERROR(pending_->Feed(AsBytes(rest)));
    }
    return Status::Ok();
  }

  const snapshot::SnapshotMeta& meta() const { return meta_; }
  std::unique_ptr<fsm::Store::PendingRestore> TakePending() {
    return std::move(pending_);
  }

 private:
  fsm::Store* store_;
  std::string head_;
  snapshot::SnapshotMeta meta_;
  std::unique_ptr<fsm::Store::PendingRestore> pending_;
};

}  // namespace

Result<uint64_t> FetchState(const std::string& address, uint64_t min_index,
                            const PeerIdentity& self, fsm::Store* store) {
  httpc::Options opt;
  opt.connect_timeout_ms = 2000;
  httpc::Client client(opt);
  StateSink sink(store);
  httpc::Request req;
  req.url = "http://" + address +
            "/v1/raft/state?min_index=" + std::to_string(min_index);
  req.response_sink = &sink;
  AddIdentity(req, self);
  VK_ASSIGN_OR_RETURN(httpc::Response resp, client.Do(req));
  if (resp.status != 200) {
    return Unavailable("fetching the raft state from " + address + ": HTTP " +
                       std::to_string(resp.status));
  }
  auto pending = sink.TakePending();
  if (!pending)
    return Corruption("the raft state from " + address + " ended early");
  VK_RETURN_IF_ERROR(pending->Finish());
  const snapshot::SnapshotMeta& meta = sink.meta();
  fsm::Configuration config;
  if (meta.servers) config.servers = *meta.servers;
  config.index = meta.configuration_index;
  VK_RETURN_IF_ERROR(
      store->CommitInstall(std::move(pending), meta.index, meta.term, config));
  return meta.index;
}

void ServeState(fsm::Store* store, httpd::Request& req,
                httpd::ResponseWriter& w, std::chrono::milliseconds wait) {
  uint64_t min_index = 0;
  if (auto q = req.Query("min_index")) {
    try {
      min_index = std::stoull(*q);
    } catch (...) {
      return w.Send(400, "bad min_index\n", "text/plain");
    }
  }
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (store->applied_index() < min_index) {
    if (std::chrono::steady_clock::now() > deadline)
      return w.Send(503, "index not applied yet\n", "text/plain");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto snap = store->OpenSnapshot();
  if (!snap.ok()) return w.Send(500, snap.status().message(), "text/plain");
  std::string meta = snapshot::EncodeMeta(snap.value()->meta());
  std::string head(4, '\0');
  uint32_t len = static_cast<uint32_t>(meta.size());
  for (int i = 0; i < 4; ++i) head[i] = static_cast<char>(len >> (24 - 8 * i));
  head += meta;
  w.SetStatus(200);
  w.SetHeader("Content-Type", "application/octet-stream");
  if (!w.Write(AsBytes(head)).ok()) return;
  httpd::ResponseSink sink(w);
  // A failure midway cuts the chunked body short; the fetcher sees a
  // truncated stream and its pending restore fails.
  (void)snap.value()->WriteState(sink);
}

}  // namespace vk::minivault
