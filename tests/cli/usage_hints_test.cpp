// Command-line mistakes get the help job-file mistakes get: the nearest command or
// option, what is missing, exit status 2.

#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

using namespace gaia::test;

namespace {

// gaia's one line on standard error for this command line, and its exit status 2.
std::string usage_error(const std::vector<std::string>& args) {
    auto out = run_gaia(args);
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.out.empty());
    return out.err;
}

}  // namespace

TEST_CASE("a misspelt command gets the nearest one and the list") {
    CHECK(usage_error({"rnu", "jobs.toml"}) ==
          "gaia: error: `rnu` is not a command (did you mean `run`?); the commands are run, validate, plan, serve, "
          "top, report or version\n");
    // An option's value is not taken for the command.
    CHECK(usage_error({"--color", "never", "valdiate"}).find("(did you mean `validate`?)") != std::string::npos);
    CHECK(usage_error({"--var", "a=b"}) ==
          "gaia: error: a command is required: run, validate, plan, serve, top, report or version (see gaia --help)\n");
    CHECK(usage_error({"zzzzzz"}).find("did you mean") == std::string::npos);
}

TEST_CASE("a misspelt option gets the nearest option of its command") {
    CHECK(usage_error({"run", "--concurency", "3", "jobs.toml"}) ==
          "gaia: error: unknown option `--concurency` (did you mean `--concurrency`?) (see gaia run --help)\n");
    CHECK(usage_error({"run", "jobs.toml", "--report-jsn=out.json"}).find("did you mean `--report-json`") !=
          std::string::npos);
    CHECK(usage_error({"serve", "--lisen", "127.0.0.1:1"}).find("did you mean `--listen`") != std::string::npos);
    // The common options count too, wherever they are written.
    CHECK(usage_error({"plan", "jobs.toml", "--verbos"}).find("did you mean `--verbose`") != std::string::npos);
}

TEST_CASE("a command without its job file says so") {
    for (const char* command : {"run", "validate", "plan"}) {
        CHECK(usage_error({command}) == std::string("gaia: error: a job file is required: gaia ") + command +
                                            " FILE... (`-` reads one from standard input)\n");
    }
}
