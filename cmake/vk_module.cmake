# vk_module(NAME SOURCES ... DEPS ... [TESTS ...] [TEST_DEPS ...])
# One static library per src/ folder; its dependencies are declared here and
# nowhere else, so a new edge between modules shows up in review.
function(vk_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS;TEST_DEPS" ${ARGN})
  add_library(vk_${name} STATIC ${M_SOURCES})
  target_link_libraries(vk_${name} PUBLIC ${M_DEPS})
  if(M_TESTS)
    add_executable(vk_${name}_test ${M_TESTS})
    target_link_libraries(vk_${name}_test PRIVATE vk_${name} ${M_TEST_DEPS}
                          GTest::gtest GTest::gtest_main)
    gtest_discover_tests(vk_${name}_test DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS unit)
  endif()
endfunction()
