// For unit tests only (header-only, uses GoogleTest): a fresh private
// directory under the test's temp dir. The tests remove it themselves.
#ifndef KIT_TESTING_TEST_DIR_H_
#define KIT_TESTING_TEST_DIR_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace vk::testing {

inline std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "/vktestXXXXXX";
  EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
  return tmpl;
}

}  // namespace vk::testing

#endif  // KIT_TESTING_TEST_DIR_H_
