#include "kit/base/status.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <vector>

#include "kit/base/exit_code.h"
#include "kit/base/result.h"
#include "kit/base/strings.h"

namespace vk {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  VK_ASSIGN_OR_RETURN(int h, Half(x));
  VK_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, OkAndContext) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = Corruption("bad crc").WithContext("state.bin");
  EXPECT_EQ(s.message(), "state.bin: bad crc");
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.ToString(), "Corruption: state.bin: bad crc");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(StatusTest, ResultPropagates) {
  EXPECT_EQ(*Quarter(8), 2);
  Result<int> r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "odd: 3");
}

TEST(StatusTest, ErrnoMapping) {
  EXPECT_EQ(ErrnoStatus("open x", ENOENT).code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus("open x", EACCES).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus("write x", ENOSPC).code(), StatusCode::kIOError);
  EXPECT_NE(ErrnoStatus("open x", ENOENT).message().find("open x: "),
            std::string::npos);
}

TEST(StringsTest, QuoteEscapesWhatCouldForgeAMessage) {
  EXPECT_EQ(Quote("meta.json"), "\"meta.json\"");
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote(std::string("x\n\x00\xff", 4)), "\"x\\x0a\\x00\\xff\"");
}

TEST(StringsTest, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (const std::string& s : std::vector<std::string>{
           "", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(*Base64Decode(Base64Encode(s)), s);
  }
  EXPECT_FALSE(Base64Decode("Zg=").ok());
  EXPECT_FALSE(Base64Decode("Zg=a").ok());
  EXPECT_FALSE(Base64Decode("Z!==").ok());
}

// The exit codes are a public contract (docs/errors.md): pin them.
TEST(ExitCodeTest, StableNumbers) {
  EXPECT_EQ(ExitCodeFor(Status::Ok()), 0);
  EXPECT_EQ(ExitCodeFor(Internal("x")), 1);
  EXPECT_EQ(ExitCodeFor(InvalidArgument("x")), 2);
  EXPECT_EQ(ExitCodeFor(NotFound("x")), 2);
  EXPECT_EQ(ExitCodeFor(PermissionDenied("x")), 2);
  EXPECT_EQ(ExitCodeFor(FailedPrecondition("x")), 2);
  EXPECT_EQ(ExitCodeFor(Corruption("x")), 3);
  EXPECT_EQ(ExitCodeFor(Unavailable("x")), 4);
  EXPECT_EQ(ExitCodeFor(Aborted("x")), 4);
  EXPECT_EQ(ExitCodeFor(IOError("x")), 5);
}

}  // namespace
}  // namespace vk

namespace vk {
namespace {

struct TestDetail : StatusDetail {
  explicit TestDetail(int v) : value(v) {}
  int value;
};
struct OtherDetail : StatusDetail {};

TEST(StatusDetail, SurvivesContextAndMessageChanges) {
  Status s = Unavailable("down").WithDetail(std::make_shared<TestDetail>(7));
  ASSERT_NE(s.detail<TestDetail>(), nullptr);
  EXPECT_EQ(s.detail<TestDetail>()->value, 7);
  EXPECT_EQ(s.detail<OtherDetail>(), nullptr);
  Status c = s.WithContext("backup").WithMessage("other words");
  ASSERT_NE(c.detail<TestDetail>(), nullptr);
  EXPECT_EQ(c.code(), StatusCode::kUnavailable);
  EXPECT_EQ(c.message(), "other words");
  EXPECT_EQ(Unavailable("down"), s);  // the detail is not compared
  EXPECT_EQ(Status::Ok()
                .WithDetail(std::make_shared<TestDetail>(1))
                .detail<TestDetail>(),
            nullptr);
  EXPECT_EQ(Unavailable("x").detail<TestDetail>(), nullptr);
}

}  // namespace
}  // namespace vk
