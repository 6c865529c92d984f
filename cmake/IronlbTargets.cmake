# Helpers that give every ironlb target the same flags.

set(IRONLB_WARNINGS -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough)
set(IRONLB_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)

if(IRONLB_SANITIZE)
  add_compile_options(${IRONLB_SANITIZER_FLAGS})
  add_link_options(${IRONLB_SANITIZER_FLAGS})
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
  set(CMAKE_C_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

function(ironlb_set_options target)
  target_compile_options(${target} PRIVATE ${IRONLB_WARNINGS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()

# ironlb_library(name SOURCES ... DEPS ...): one folder, one library.
function(ironlb_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  ironlb_set_options(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# ironlb_binary(name SOURCES ... DEPS ...): a thin main.
function(ironlb_binary name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  ironlb_set_options(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# ironlb_test(name LABEL unit|netns|lab SOURCES ... DEPS ... [TIMEOUT s] [IN_NETNS]): one gtest
# binary registered with CTest under its label. IN_NETNS runs the whole binary inside a fresh
# network namespace (test/support/in-netns.sh) that is deleted afterwards.
function(ironlb_test name)
  cmake_parse_arguments(ARG "IN_NETNS" "LABEL;TIMEOUT" "SOURCES;DEPS" ${ARGN})
  # A guard against hangs, not a speed target: under ASan with `stress-ng --cpu 2` beside it,
  # unit tests of 10 s took 60 s.
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  ironlb_set_options(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} ironlb_test_support GTest::gmock GTest::gtest_main)
  if(ARG_IN_NETNS)
    add_test(NAME ${name} COMMAND ${PROJECT_SOURCE_DIR}/test/support/in-netns.sh
                                  $<TARGET_FILE:${name}>)
  else()
    add_test(NAME ${name} COMMAND ${name})
  endif()
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "IRONLB_SOURCE_DIR=${PROJECT_SOURCE_DIR};IRONLB_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

# ironlb_fuzz(name SOURCES ... DEPS ... CORPUS dir): a libFuzzer target, run briefly under the
# "fuzz" label on a scratch copy of its seed corpus.
function(ironlb_fuzz name)
  cmake_parse_arguments(ARG "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  if(NOT IRONLB_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  ironlb_set_options(${name})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus)
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
      ${PROJECT_SOURCE_DIR}/test/fuzz/run-fuzzer.sh $<TARGET_FILE:${name}> ${ARG_CORPUS} ${work})
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
