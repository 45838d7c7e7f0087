// The pieces of the endpoints that need no server: run paths and the token comparison.

#include "core/serve/endpoints.hpp"

#include <doctest/doctest.h>

#include <string>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;

TEST_CASE("endpoints: the job of a run path, exactly, and secrets compared in full") {
    using serve::job_of_run_path;
    CHECK(job_of_run_path("/api/v1/jobs/backup/run") == "backup");
    CHECK(job_of_run_path("/api/v1/jobs/nightly%20report/run") == "nightly report");
    CHECK(job_of_run_path("/api/v1/jobs//run").empty());
    CHECK(job_of_run_path("/api/v1/jobs/a/b/run").empty());
    CHECK(job_of_run_path("/api/v1/jobs/a%2Fb/run").empty());
    CHECK(job_of_run_path("/api/v1/jobs/a%00/run").empty());
    CHECK(job_of_run_path("/api/v1/jobs/a%2/run").empty());
    CHECK(job_of_run_path("/api/v1/jobs/a%zz/run").empty());
    CHECK(job_of_run_path("/api/v1/jobs/a/run/").empty());
    CHECK(job_of_run_path("/api/v1/jobs/run").empty());
    CHECK(job_of_run_path("/api/v1/jobsx/a/run").empty());

    using serve::same_secret;
    CHECK(same_secret("0123456789abcdef", "0123456789abcdef"));
    CHECK_FALSE(same_secret("0123456789abcdeF", "0123456789abcdef"));
    CHECK_FALSE(same_secret("0123456789abcde", "0123456789abcdef"));
    CHECK_FALSE(same_secret("0123456789abcdef0", "0123456789abcdef"));
    CHECK_FALSE(same_secret("", "0123456789abcdef"));
    CHECK_FALSE(same_secret(std::string_view("0123456789abcdef\0", 17), "0123456789abcdef"));
}

TEST_SUITE_END();
