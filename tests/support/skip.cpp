#include "tests/support/skip.hpp"

#include <doctest/doctest.h>

#include <iostream>

namespace gaia::test {

void report_skipped(const std::string& reason) {
    MESSAGE("skipped: ", reason);
    // The marker ctest looks for; stdout is what it reads.
    std::cout << "gaia-test-skipped: " << reason << std::endl;
}

}  // namespace gaia::test
