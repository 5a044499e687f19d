# vk_module(NAME [SOURCES ...] DEPS ... [TESTS ...] [TEST_DEPS ...])
# One static library per src/ folder; its dependencies are declared here and
# nowhere else, so a new edge between modules shows up in review. A module
# without SOURCES is header-only: an INTERFACE library that passes its DEPS
# on (the test-only `testing/` modules of docs/architecture.md).
function(vk_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;TESTS;TEST_DEPS" ${ARGN})
  if(M_SOURCES)
    add_library(vk_${name} STATIC ${M_SOURCES})
    target_link_libraries(vk_${name} PUBLIC ${M_DEPS})
  else()
    add_library(vk_${name} INTERFACE)
    target_link_libraries(vk_${name} INTERFACE ${M_DEPS})
  endif()
  if(M_TESTS)
    add_executable(vk_${name}_test ${M_TESTS})
    target_link_libraries(vk_${name}_test PRIVATE vk_${name} ${M_TEST_DEPS}
                          GTest::gtest GTest::gtest_main)
    gtest_discover_tests(vk_${name}_test DISCOVERY_TIMEOUT 60
                         PROPERTIES LABELS unit)
  endif()
endfunction()

# vk_uses_cli11(TARGET [PUBLIC|PRIVATE]): links CLI11 and compiles the
# target's own sources with less optimisation. CLI11 is header-only and its
# inline code dominates build time (one command file: 14 s at -O3, 164 s at
# -O3 with ASan, 13 s at -O0 with ASan); argument parsing gains nothing from
# optimisation. See docs/decisions/build-time.md.
function(vk_uses_cli11 target scope)
  target_link_libraries(${target} ${scope} CLI11::CLI11)
  if(VK_SANITIZE OR VK_FUZZ)
    target_compile_options(${target} PRIVATE -O0)
  else()
    target_compile_options(${target} PRIVATE -O1)
  endif()
endfunction()
