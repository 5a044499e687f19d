#include "kit/base/read_ahead.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace vk {
namespace {

// Returns bytes in odd-sized pieces, then optionally fails.
class ChoppySource : public ByteSource {
 public:
  ChoppySource(std::string data, bool fail_at_end)
      : data_(std::move(data)), fail_(fail_at_end) {}
  Result<size_t> Read(MutableByteSpan dst) override {
    if (pos_ == data_.size()) {
      if (fail_) return IOError("disk on fire");
      return size_t{0};
    }
    size_t n = std::min({dst.size(), data_.size() - pos_, size_t{7}});
    std::memcpy(dst.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  bool fail_;
  size_t pos_ = 0;
};

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 31 + i / 251);
  return s;
}

TEST(ReadAheadTest, DeliversAllBytesInOrder) {
  for (size_t size : {0, 1, 100, 4096, 100000}) {
    std::string data = Pattern(size);
    ChoppySource inner(data, false);
    ReadAheadSource ra(&inner, {.block_size = 1000, .depth = 3});
    StringSink sink;
    auto n = Copy(ra, sink);
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(*n, size);
    EXPECT_EQ(sink.data(), data);
  }
}

TEST(ReadAheadTest, PropagatesErrorAfterData) {
  std::string data = Pattern(5000);
  ChoppySource inner(data, true);
  ReadAheadSource ra(&inner, {.block_size = 1024, .depth = 2});
  StringSink sink;
  auto n = Copy(ra, sink);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().message(), "disk on fire");
  // Every byte before the failure was delivered.
  EXPECT_EQ(sink.data(), data.substr(0, sink.data().size()));
  EXPECT_GE(sink.data().size(), 4096u);
}

TEST(ReadAheadTest, EarlyDestructionDoesNotHang) {
  std::string data = Pattern(1 << 20);
  ChoppySource inner(data, false);
  {
    ReadAheadSource ra(&inner, {.block_size = 512, .depth = 2});
    uint8_t buf[10];
    ASSERT_TRUE(ra.Read(buf).ok());
  }
  SUCCEED();
}

}  // namespace
}  // namespace vk
