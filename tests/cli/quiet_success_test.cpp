// gaia run --quiet-success, for cron: a run that passes prints nothing at all (so cron
// sends no mail), one that does not prints everything it would have — log lines, job
// output, the summary — in order.

#include "tests/support/file_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

using namespace gaia::test;

namespace {

// A job that prints (stdout = "inherit") and one whose outcome the test picks; --var
// unused=1 makes gaia warn (no template reads it).
std::string job_file(const TempDir& dir, bool pass) {
    return dir.file("jobs.toml", std::string(R"T([jobs.talk]
kind = "process"
command = ["sh", "-c", "echo said-on-stdout; echo said-on-stderr >&2"]
stdout = "inherit"
stderr = "inherit"

[jobs.verdict]
kind = "process"
needs = ["talk"]
command = ["sh", "-c", "exit )T") + (pass ? "0" : "4") + R"T("]
)T");
}

}  // namespace

TEST_CASE("--quiet-success: nothing printed when every job passed") {
    TempDir dir;
    const auto file = job_file(dir, true);
    auto loud = run_gaia({"run", "--var", "unused=1", file});
    CHECK(loud.exit_code == 0);
    CHECK(loud.out.find("said-on-stdout") != std::string::npos);
    CHECK(loud.err.find("warn") != std::string::npos);

    auto quiet = run_gaia({"run", "--quiet-success", "--var", "unused=1", file});
    CHECK(quiet.exit_code == 0);
    CHECK(quiet.out.empty());
    CHECK(quiet.err.empty());
}

TEST_CASE("--quiet-success: a failed run prints everything, in order, and keeps its exit status") {
    TempDir dir;
    const auto file = job_file(dir, false);
    auto out = run_gaia({"run", "--quiet-success", "--var", "unused=1", file});
    CHECK(out.exit_code == 1);
    INFO(out.err);
    CHECK(out.out.find("talk | said-on-stdout") != std::string::npos);
    CHECK(out.err.find("talk | said-on-stderr") != std::string::npos);
    CHECK(out.err.find("warn") != std::string::npos);
    const auto failed = out.err.find("job verdict failed");
    CHECK(failed != std::string::npos);
    CHECK(out.err.find("said-on-stderr") < failed);  // in the order it happened
    CHECK(out.out.find("run jobs: failed") != std::string::npos);  // the summary
    CHECK(out.out.find("said-on-stdout") < out.out.find("run jobs: failed"));

    // A job file that does not load: its errors, and status 2.
    const auto broken = dir.file("broken.toml", "[jobs.x]\nkind = \"nope\"\n");
    auto bad = run_gaia({"run", "--quiet-success", broken});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("broken.toml:2:8: error") != std::string::npos);
}
