#pragma once
// A test whose environment lacks what it needs — a mount namespace inside a chroot, a
// pids cgroup when run as root — is not a failure of gaia. Such a test calls
// report_skipped(reason) and returns; ctest then counts it as skipped and shows why
// (SKIP_REGULAR_EXPRESSION in tests/CMakeLists.txt matches the line this prints).

#include <string>

namespace gaia::test {

void report_skipped(const std::string& reason);

}  // namespace gaia::test
