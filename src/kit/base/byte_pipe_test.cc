#include "kit/base/byte_pipe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace vk {
namespace {

using namespace std::chrono_literals;

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  uint32_t x = 12345;
  for (auto& c : s) {
    x = x * 1664525 + 1013904223;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

TEST(BytePipeTest, TransfersEverythingAcrossThreadsInOrder) {
  BytePipe pipe(1000);  // odd size so copies wrap around the ring
  std::string data = Pattern(3'000'001);
  std::thread writer([&] {
    size_t pos = 0, step = 1;
    while (pos < data.size()) {
      size_t n = std::min(step, data.size() - pos);
      ASSERT_TRUE(
          pipe.Write(AsBytes(std::string_view(data).substr(pos, n))).ok());
      pos += n;
      step = step * 7 % 4099 + 1;  // varied sizes, some above the capacity
    }
    pipe.CloseWrite();
  });
  std::string got;
  std::vector<uint8_t> buf(777);
  for (;;) {
    Result<size_t> n = pipe.Read(buf);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
    got.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  writer.join();
  ASSERT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  // End of stream is sticky.
  Result<size_t> again = pipe.Read(buf);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u);
}

TEST(BytePipeTest, WriterBlocksWhileFull) {
  BytePipe pipe(16);
  ASSERT_TRUE(pipe.Write(AsBytes("0123456789abcdef")).ok());
  EXPECT_EQ(pipe.buffered(), 16u);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    ASSERT_TRUE(pipe.Write(AsBytes("XYZ")).ok());
    done = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(done.load());  // no room: still blocked
  uint8_t buf[4];
  Result<size_t> n = pipe.Read(buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(AsChars(ByteSpan(buf, 4)), "0123");
  writer.join();
  EXPECT_TRUE(done.load());
  EXPECT_EQ(pipe.buffered(), 15u);
}

TEST(BytePipeTest, ReaderBlocksUntilDataOrClose) {
  BytePipe pipe(64);
  auto reader = std::async(std::launch::async, [&] {
    uint8_t buf[8];
    return pipe.Read(buf);
  });
  EXPECT_EQ(reader.wait_for(100ms), std::future_status::timeout);
  pipe.CloseWrite();
  Result<size_t> n = reader.get();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST(BytePipeTest, CloseReadFailsBlockedAndLaterWrites) {
  BytePipe pipe(4);
  ASSERT_TRUE(pipe.Write(AsBytes("abcd")).ok());
  auto writer = std::async(std::launch::async,
                           [&] { return pipe.Write(AsBytes("more")); });
  EXPECT_EQ(writer.wait_for(100ms), std::future_status::timeout);
  pipe.CloseRead();
  Status s = writer.get();
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_EQ(pipe.buffered(), 0u);
  EXPECT_EQ(pipe.Write(AsBytes("x")).code(), StatusCode::kAborted);
}

TEST(BytePipeTest, FailWakesBothSidesAndFirstFailureWins) {
  BytePipe in(8), out(2);
  ASSERT_TRUE(out.Write(AsBytes("ab")).ok());
  auto reader = std::async(std::launch::async, [&] {
    uint8_t buf[8];
    return in.Read(buf);
  });
  auto writer =
      std::async(std::launch::async, [&] { return out.Write(AsBytes("c")); });
  std::this_thread::sleep_for(50ms);
  in.Fail(Unavailable("stopping"));
  in.Fail(Internal("second"));
  out.Fail(Aborted("client gone"));
  Result<size_t> r = reader.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status(), Unavailable("stopping"));
  EXPECT_EQ(writer.get(), Aborted("client gone"));
  // A failed pipe reports the failure even with bytes still buffered.
  uint8_t buf[2];
  EXPECT_EQ(out.Read(buf).status(), Aborted("client gone"));
}

TEST(BytePipeTest, WriteAfterCloseWriteIsAnError) {
  BytePipe pipe(8);
  pipe.CloseWrite();
  EXPECT_EQ(pipe.Write(AsBytes("x")).code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace vk
