#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "core/run/kinds.hpp"
#include "jobs/registry.hpp"

#include <csignal>

int main(int argc, char** argv) {
    // The process manager re-executes its own binary as gaia's launcher and guard; in
    // tests that binary is this one, which must then be those helpers, not the suite.
    if (auto helper = gaia::run::find_helper(gaia::jobs::all_kinds(), argc, argv)) return helper(argc, argv);
    // Tests feed standard input to programs that may exit before reading it (a usage
    // error): the write must fail with EPIPE, not kill the test binary.
    std::signal(SIGPIPE, SIG_IGN);
    return doctest::Context(argc, argv).run();
}
