#include "kit/httpd/respond.h"

#include "kit/base/strings.h"

namespace vk::httpd::internal {
namespace {

constexpr size_t kResponseBlockSize = 64 * 1024;

ssize_t ReadOut(void* cls, uint64_t /*pos*/, char* buf, size_t max) {
  Exchange& ex = **static_cast<Holder*>(cls);
  Result<size_t> n =
      ex.out.Read(MutableByteSpan(reinterpret_cast<uint8_t*>(buf), max));
  if (!n.ok()) return MHD_CONTENT_READER_END_WITH_ERROR;
  if (*n == 0) return MHD_CONTENT_READER_END_OF_STREAM;
  return static_cast<ssize_t>(*n);
}

void FreeOutHolder(void* cls) { delete static_cast<Holder*>(cls); }

}  // namespace

MHD_Result QueueBuffer(
    MHD_Connection* c, int status, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  MHD_Response* resp = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (resp == nullptr) return MHD_NO;
  for (const auto& [name, value] : headers) {
    MHD_add_response_header(resp, name.c_str(), value.c_str());
  }
  MHD_Result r = MHD_queue_response(c, static_cast<unsigned>(status), resp);
  MHD_destroy_response(resp);
  return r;
}

MHD_Result QueueError(MHD_Connection* c, int status, std::string_view message,
                      bool close) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Content-Type", "application/json"}};
  if (close) headers.emplace_back("Connection", "close");
  std::string body = R"({"errors":[")" + std::string(message) + R"("]})";
  return QueueBuffer(c, status, body, headers);
}

MHD_Result QueueCommitted(MHD_Connection* c, const Holder& holder) {
  Exchange& ex = *holder;
  // A handler status MHD would refuse (1xx as a final answer, not three
  // digits) is a handler bug; answer 500 rather than dropping the line.
  int status = ex.status >= 200 && ex.status <= 999 ? ex.status : 500;
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& h : ex.headers) {
    if (EqualsIgnoreCase(h.first, "Content-Length") ||
        EqualsIgnoreCase(h.first, "Transfer-Encoding")) {
      continue;
    }
    headers.push_back(h);
  }
  if (ex.mode == Mode::kBuffered) {
    return QueueBuffer(c, status, ex.payload, headers);
  }
  auto* out_holder = new Holder(holder);
  MHD_Response* resp =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, kResponseBlockSize,
                                        &ReadOut, out_holder, &FreeOutHolder);
  if (resp == nullptr) {
    delete out_holder;
    return MHD_NO;
  }
  for (const auto& [name, value] : headers) {
    MHD_add_response_header(resp, name.c_str(), value.c_str());
  }
  MHD_Result r = MHD_queue_response(c, static_cast<unsigned>(status), resp);
  MHD_destroy_response(resp);
  return r;
}

}  // namespace vk::httpd::internal
