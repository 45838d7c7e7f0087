# Read by ctest when it starts (TEST_INCLUDE_FILES, set in tests/CMakeLists.txt): one ctest
# test per doctest case of gaia_tests, labelled `unit` (the doctest suite "unit": in-process
# and quick, `ctest -L unit`) or `e2e` (everything else: the gaia binary, real servers,
# Chromium, packaging).
#
# Why not doctest_discover_tests(ADD_LABELS): it asks the binary for each case's suite
# once per case, with the case's name as an unescaped `--test-case=` filter, in which
# doctest reads a comma as the start of another filter, so half of gaia's cases (their
# names have commas) would get no label. Here the binary is asked twice, once per label,
# and every comma of a name is escaped (\,) in the filter that runs it, as doctest does.
# A case that runs nothing (a filter matching no case) fails instead of passing.
# A name may not hold `;` (tests/docs/docs_test.cpp checks): ctest would split it.
#
# Every test has 120 s, but a case in the doctest suite "slow" has 900 s: one that builds a
# Debian root with debootstrap and installs Chromium in it takes minutes on a loaded machine,
# and a limit that long for every test would let a hung one hold CI for 15 minutes.

if(NOT EXISTS "${GAIA_TESTS_BINARY}")
  add_test("gaia_tests is built" "${CMAKE_COMMAND}" -E false)
  set_tests_properties("gaia_tests is built" PROPERTIES LABELS "unit;e2e")
  return()
endif()

# "\n"-separated, with one at each end, so that a name is found by string(FIND "\nNAME\n").
execute_process(COMMAND "${GAIA_TESTS_BINARY}" --test-suite=slow --list-test-cases
                OUTPUT_VARIABLE slow_cases RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${GAIA_TESTS_BINARY} --list-test-cases failed (${status}): ${slow_cases}")
endif()
set(slow_cases "\n${slow_cases}\n")

foreach(label unit e2e)
  if(label STREQUAL "unit")
    set(filter "--test-suite=unit")
  else()
    set(filter "--test-suite-exclude=unit")
  endif()
  execute_process(COMMAND "${GAIA_TESTS_BINARY}" ${filter} --list-test-cases
                  OUTPUT_VARIABLE listing RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${GAIA_TESTS_BINARY} --list-test-cases failed (${status}): ${listing}")
  endif()
  # Line by line with string(FIND), not as a CMake list: a `[` in a name would change
  # where a list splits.
  while(NOT listing STREQUAL "")
    string(FIND "${listing}" "\n" end)
    if(end EQUAL -1)
      set(name "${listing}")
      set(listing "")
    else()
      string(SUBSTRING "${listing}" 0 ${end} name)
      math(EXPR next "${end} + 1")
      string(SUBSTRING "${listing}" ${next} -1 listing)
    endif()
    if(name STREQUAL "" OR name MATCHES "^\\[doctest\\] " OR name MATCHES "^=+$")
      continue()
    endif()
    string(REPLACE "," "\\," filter_name "${name}")
    string(FIND "${slow_cases}" "\n${name}\n" slow)
    if(slow EQUAL -1)
      set(timeout 120)
    else()
      set(timeout 900)
    endif()
    add_test("${name}" "${GAIA_TESTS_BINARY}" "--test-case=${filter_name}")
    set_tests_properties("${name}" PROPERTIES WORKING_DIRECTORY "${GAIA_TESTS_DIR}" TIMEOUT ${timeout}
                         SKIP_REGULAR_EXPRESSION "gaia-test-skipped: "
                         # No case ran: the filter matched nothing, which must not pass.
                         FAIL_REGULAR_EXPRESSION "\\[doctest\\] test cases: +0 [|]" LABELS ${label})
  endwhile()
endforeach()
