#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>

int main(int argc, char** argv) {
    // Tests feed standard input to programs that may exit before reading it (a usage
    // error): the write must fail with EPIPE, not kill the test binary.
    std::signal(SIGPIPE, SIG_IGN);
    return doctest::Context(argc, argv).run();
}
