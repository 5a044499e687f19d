// The damaging wrappers do what they say, to the calls they select, and
// nothing else.
#include "vaultkeep/testing/damaged_storage.h"

#include <gtest/gtest.h>

#include <thread>

namespace vk::testing {
namespace {

class DamagedStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(mem_->Put("data/aa/1", AsBytes(std::string("abcdef"))).ok());
    ASSERT_TRUE(mem_->Put("index/2", AsBytes(std::string("ghijkl"))).ok());
  }
  static Result<std::string> Read(storage::Storage& s, std::string_view key,
                                  uint64_t offset = 0,
                                  uint64_t length = storage::kToEnd) {
    StringSink sink;
    VK_RETURN_IF_ERROR(s.Get(key, offset, length, sink));
    return sink.data();
  }
  std::unique_ptr<storage::Storage> mem_ = storage::NewMemStorage();
};

TEST_F(DamagedStorageTest, CorruptingFlipsOneByteOfMatchingReadsOnly) {
  CorruptingStorage s(*mem_, {.prefix = "data/"}, 2, 0x20);
  EXPECT_EQ(*Read(s, "data/aa/1"), "abCdef");
  EXPECT_EQ(*Read(s, "data/aa/1", 4, 2), "eF");  // position past the range
  EXPECT_EQ(*Read(s, "index/2"), "ghijkl");
  EXPECT_EQ(s.hits(), 2);
  EXPECT_EQ(*Read(*mem_, "data/aa/1"), "abcdef");  // stored bytes untouched
}

TEST_F(DamagedStorageTest, NthSelectsOneCall) {
  CorruptingStorage s(*mem_, {.prefix = "", .nth = 2});
  EXPECT_EQ(*Read(s, "data/aa/1"), "abcdef");
  EXPECT_EQ(*Read(s, "index/2"), "fhijkl");
  EXPECT_EQ(*Read(s, "data/aa/1"), "abcdef");
  EXPECT_EQ(s.hits(), 1);
}

TEST_F(DamagedStorageTest, TruncatingCutsReadsShortAndSucceeds) {
  TruncatingStorage s(*mem_, {.prefix = "index/2"}, 4);
  EXPECT_EQ(*Read(s, "index/2"), "ghij");
  EXPECT_EQ(*Read(s, "index/2", 3, 2), "jk");  // shorter than `keep`
  EXPECT_EQ(*Read(s, "data/aa/1"), "abcdef");
}

TEST_F(DamagedStorageTest, FailingPutStoresNothingOrAllAndFails) {
  FailingPutStorage refused(*mem_, {.prefix = "snapshots/", .nth = 1});
  EXPECT_EQ(refused.Put("snapshots/a", AsBytes(std::string("x"))).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(mem_->Stat("snapshots/a").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(refused.Put("snapshots/b", AsBytes(std::string("y"))).ok());
  EXPECT_TRUE(refused.Put("locks/c", AsBytes(std::string("z"))).ok());

  FailingPutStorage lost(*mem_, {.prefix = "snapshots/"},
                         PutFailure::kStoredAnyway, IOError("lost"));
  EXPECT_EQ(lost.Put("snapshots/d", AsBytes(std::string("whole"))).code(),
            StatusCode::kIOError);
  EXPECT_EQ(*Read(*mem_, "snapshots/d"), "whole");
  EXPECT_EQ(lost.hits(), 1);
}

TEST_F(DamagedStorageTest, StallingHoldsMatchingCallsUntilReleased) {
  StallingStorage s(*mem_, StallOp::kGet, {.prefix = "data/"});
  Result<std::string> got = Internal("not run");
  std::thread reader([&] { got = Read(s, "data/aa/1"); });
  EXPECT_TRUE(s.WaitForStalled(1));
  EXPECT_EQ(*Read(s, "index/2"), "ghijkl");  // other keys pass
  EXPECT_TRUE(s.Put("data/bb/3", AsBytes(std::string("p"))).ok());  // other ops
  EXPECT_EQ(got.status().code(), StatusCode::kInternal);  // still held
  s.Release();
  reader.join();
  EXPECT_EQ(*got, "abcdef");
  EXPECT_EQ(s.stalled(), 1);
}

TEST_F(DamagedStorageTest, StallingCanEndInAnError) {
  StallingStorage s(*mem_, StallOp::kPut, {.prefix = "index/"});
  Status put;
  std::thread writer(
      [&] { put = s.Put("index/9", AsBytes(std::string("q")), {}); });
  EXPECT_TRUE(s.WaitForStalled());
  s.Release(Aborted("timed out"));
  writer.join();
  EXPECT_EQ(put.code(), StatusCode::kAborted);
  EXPECT_EQ(mem_->Stat("index/9").status().code(), StatusCode::kNotFound);
}

TEST_F(DamagedStorageTest, StopWaitingEndsAWaitForACallThatNeverCame) {
  StallingStorage s(*mem_, StallOp::kRemove, {.prefix = "data/"});
  std::thread other([&] { s.StopWaiting(); });
  EXPECT_FALSE(s.WaitForStalled());
  other.join();
}

TEST_F(DamagedStorageTest, FlipStoredByteDamagesAtRest) {
  ASSERT_TRUE(FlipStoredByte(*mem_, "data/aa/1", 0).ok());
  EXPECT_EQ(*Read(*mem_, "data/aa/1"), "`bcdef");
  EXPECT_EQ(FlipStoredByte(*mem_, "data/aa/1", 6).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vk::testing
