#include "vaultkeep/ops/stream_thread.h"

#include <gtest/gtest.h>

#include <string>

namespace vk::ops {
namespace {

TEST(StreamThread, CarriesEveryByte) {
  std::string data(3 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  StreamThread t(
      [&](ByteSink* out) -> Status {
        for (size_t off = 0; off < data.size(); off += 100000) {
          VK_RETURN_IF_ERROR(
              out->Write(AsBytes(std::string_view(data).substr(off, 100000))));
        }
        return Status::Ok();
      },
      64 << 10);
  StringSink sink;
  ASSERT_TRUE(Copy(t, sink).ok());
  EXPECT_TRUE(t.Join().ok());
  EXPECT_EQ(sink.data(), data);
}

TEST(StreamThread, ProducerErrorReachesReader) {
  StreamThread t([](ByteSink* out) -> Status {
    VK_RETURN_IF_ERROR(out->Write(AsBytes("partial")));
    return Unavailable("connection reset");
  });
  StringSink sink;
  Result<uint64_t> r = Copy(t, sink);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(t.Join().code(), StatusCode::kUnavailable);
}

TEST(StreamThread, JoinUnblocksAProducerOnAFullPipe) {
  StreamThread t(
      [](ByteSink* out) -> Status {
        std::string chunk(4096, 'x');
        for (;;) VK_RETURN_IF_ERROR(out->Write(AsBytes(chunk)));
      },
      4096);
  // The reader gives up without reading: Join must not hang.
  EXPECT_EQ(t.Join().code(), StatusCode::kAborted);
}

}  // namespace
}  // namespace vk::ops
