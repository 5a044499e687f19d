#include "env/file.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

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

}  // namespace
}  // namespace vk
