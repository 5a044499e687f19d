#include "kit/env/file.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace vk {
namespace {

std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "/vkfileXXXXXX";
  char* d = ::mkdtemp(tmpl.data());
  EXPECT_NE(d, nullptr);
  return tmpl;
}

int CountEntries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  int n = 0;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") ++n;
  }
  ::closedir(d);
  return n;
}

TEST(AtomicFileSinkTest, CommitPublishesWithMode0600) {
  std::string dir = MakeTempDir();
  std::string path = dir + "/out.snap";
  ASSERT_TRUE(WriteFileAtomic(path, "hello").ok());
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "hello");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(CountEntries(dir), 1);
}

TEST(AtomicFileSinkTest, AbandonLeavesNothing) {
  std::string dir = MakeTempDir();
  {
    auto sink = AtomicFileSink::Create(dir + "/x");
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Write(AsBytes("partial")).ok());
  }
  EXPECT_EQ(CountEntries(dir), 0);
}

TEST(AtomicFileSinkTest, AbandonKeepsPreviousVersion) {
  std::string dir = MakeTempDir();
  ASSERT_TRUE(WriteFileAtomic(dir + "/x", "old").ok());
  {
    auto sink = AtomicFileSink::Create(dir + "/x");
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Write(AsBytes("new but unfinished")).ok());
  }
  std::ifstream in(dir + "/x");
  std::string s;
  std::getline(in, s);
  EXPECT_EQ(s, "old");
}

TEST(FileSourceTest, MissingFileIsNotFound) {
  auto src = FileSource::Open("/nonexistent/dir/file.snap");
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), StatusCode::kNotFound);
  EXPECT_NE(src.status().message().find("/nonexistent/dir/file.snap"),
            std::string::npos);
}

TEST(FileSourceTest, DirectoryIsRejected) {
  auto src = FileSource::Open(MakeTempDir());
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), StatusCode::kInvalidArgument);
}

TEST(OpenOutputTest, NewAndRegularFilesAreReplacedAtomically) {
  std::string dir = MakeTempDir();
  std::string path = dir + "/out.snap";
  OutputKind kind;
  {
    auto sink = OpenOutput(path, &kind);
    ASSERT_TRUE(sink.ok());
    EXPECT_EQ(kind, OutputKind::kNewFile);
    ASSERT_TRUE((*sink)->Write(AsBytes("partial")).ok());
  }  // abandoned: nothing appears
  EXPECT_EQ(CountEntries(dir), 0);
  ASSERT_TRUE(WriteFileAtomic(path, "old").ok());
  auto sink = OpenOutput(path, &kind);
  ASSERT_TRUE(sink.ok());
  EXPECT_EQ(kind, OutputKind::kFile);
  ASSERT_TRUE((*sink)->Write(AsBytes("new")).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "new");
}

TEST(OpenOutputTest, FifoIsWrittenInPlace) {
  std::string dir = MakeTempDir();
  std::string fifo = dir + "/pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int rd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(rd, 0);
  OutputKind kind;
  auto sink = OpenOutput(fifo, &kind);
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  EXPECT_EQ(kind, OutputKind::kStream);
  ASSERT_TRUE((*sink)->Write(AsBytes("through")).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  char buf[16] = {};
  EXPECT_EQ(::read(rd, buf, sizeof buf), 7);
  EXPECT_EQ(std::string(buf), "through");
  ::close(rd);
  struct stat st;
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));  // still a FIFO, not a file
}

TEST(OpenOutputTest, FullDeviceFailsAsIOError) {
  // A node of our own for the full device (char 1,7), not /dev/full.
  std::string full = MakeTempDir() + "/full";
  if (::mknod(full.c_str(), S_IFCHR | 0600, makedev(1, 7)) != 0)
    GTEST_SKIP() << "creating a device node needs root";
  auto sink = OpenOutput(full);
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  Status st = (*sink)->Write(AsBytes("x"));
  EXPECT_EQ(st.code(), StatusCode::kIOError) << st.ToString();
  EXPECT_TRUE((*sink)->Close().ok());
  struct stat s;
  ASSERT_EQ(::lstat(full.c_str(), &s), 0);
  EXPECT_TRUE(S_ISCHR(s.st_mode));
}

TEST(OpenOutputTest, SymlinksDirectoriesAndSocketsAreRefused) {
  std::string dir = MakeTempDir();
  std::string target = dir + "/target";
  ASSERT_TRUE(WriteFileAtomic(target, "keep").ok());
  std::string link = dir + "/link";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto s1 = OpenOutput(link);
  ASSERT_FALSE(s1.ok());
  EXPECT_EQ(s1.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s1.status().message().find("symbolic link"), std::string::npos);
  std::string dangling = dir + "/dangling";
  ASSERT_EQ(::symlink((dir + "/nowhere").c_str(), dangling.c_str()), 0);
  EXPECT_FALSE(OpenOutput(dangling).ok());
  EXPECT_FALSE(OpenOutput(dir).ok());
  std::ifstream in(target);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "keep");
  struct stat st;
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_NE(::access((dir + "/nowhere").c_str(), F_OK), 0);
}

}  // namespace
}  // namespace vk
