#include "vaultkeep/storage/failure_tag.h"

#include <gtest/gtest.h>

#include <string>

namespace vk::storage {
namespace {

struct DriverDetail : StatusDetail {};

// A storage whose every call fails, with a driver detail on Put.
class Broken : public Storage {
 public:
  Properties properties() const override { return {"s3:host/bucket", 1}; }
  Status Put(std::string_view, ByteSpan, PutOptions) override {
    return Unavailable("503").WithDetail(std::make_shared<DriverDetail>());
  }
  Status Get(std::string_view, uint64_t, uint64_t, ByteSink&) override {
    return NotFound("no such key");
  }
  Result<ObjectInfo> Stat(std::string_view) override {
    return NotFound("no such key");
  }
  Status List(std::string_view,
              const std::function<Status(const ObjectInfo&)>& fn) override {
    return fn({"data/x", 1});
  }
  Status Remove(std::string_view) override { return Status::Ok(); }
};

TEST(FailureTag, EveryErrorSaysItCameFromTheStorage) {
  auto s = TagFailures(std::make_unique<Broken>());
  Status put = s->Put("data/x", ByteSpan());
  ASSERT_NE(put.detail<Failure>(), nullptr);
  EXPECT_EQ(put.detail<Failure>()->location, "s3:host/bucket");
  // The driver's own detail is kept as the cause.
  EXPECT_NE(
      dynamic_cast<const DriverDetail*>(put.detail<Failure>()->cause.get()),
      nullptr);
  EXPECT_EQ(put.code(), StatusCode::kUnavailable);
  EXPECT_EQ(put.message(), "503");
  StringSink sink;
  EXPECT_NE(s->Get("k", 0, kToEnd, sink).detail<Failure>(), nullptr);
  EXPECT_NE(s->Stat("k").status().detail<Failure>(), nullptr);
  // Survives context added on the way up.
  EXPECT_NE(put.WithContext("saving pack").detail<Failure>(), nullptr);
  EXPECT_TRUE(s->Remove("k").ok());
  EXPECT_EQ(s->properties().location, "s3:host/bucket");
}

TEST(FailureTag, ACallersErrorThroughListIsTaggedOnlyOnce) {
  auto s = TagFailures(std::make_unique<Broken>());
  auto inner = std::make_shared<Failure>("other", nullptr);
  Status st = s->List("data/", [&](const ObjectInfo&) {
    return Aborted("stop").WithDetail(inner);
  });
  ASSERT_NE(st.detail<Failure>(), nullptr);
  EXPECT_EQ(st.detail<Failure>()->location, "other");
}

}  // namespace
}  // namespace vk::storage
