#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "core/run/kinds.hpp"
#include "jobs/registry.hpp"

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>

int main(int argc, char** argv) {
    // The process manager re-executes its own binary as gaia's launcher and guard; in
    // tests that binary is this one, which must then be those helpers, not the suite.
    if (auto helper = gaia::run::find_helper(gaia::jobs::all_kinds(), argc, argv)) return helper(argc, argv);
    // Tests feed standard input to programs that may exit before reading it (a usage
    // error): the write must fail with EPIPE, not kill the test binary.
    std::signal(SIGPIPE, SIG_IGN);
    // gaia serve keeps a state database in $XDG_STATE_HOME by default: the tests' serves
    // keep theirs in a directory of this process, never in the user's home, and two test
    // processes never share one. (BackgroundGaia gives each test directory its own.)
    char state_home[] = "/tmp/gaia-test-state-XXXXXX";
    if (::mkdtemp(state_home) != nullptr) {
        ::setenv("XDG_STATE_HOME", state_home, 1);
        ::unsetenv("STATE_DIRECTORY");
    }
    const int status = doctest::Context(argc, argv).run();
    std::error_code ec;
    std::filesystem::remove_all(state_home, ec);
    return status;
}
