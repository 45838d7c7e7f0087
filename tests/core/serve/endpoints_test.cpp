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

TEST_CASE("endpoints: history paths and their queries, with an error for what is not one") {
    using serve::history_query;
    using What = serve::HistoryQuery::What;
    std::string error;
    auto q = history_query("/api/v1/jobs/nightly%20backup/runs", "limit=5&status=failed", &error);
    REQUIRE(q);
    CHECK(q->what == What::job_runs);
    CHECK(q->name == "nightly backup");
    CHECK(q->limit == 5);
    CHECK(q->status == "failed");
    q = history_query("/api/v1/jobs/a/runs", "", &error);
    REQUIRE(q);
    CHECK(q->limit == 20);
    CHECK(q->status.empty());
    q = history_query("/api/v1/runs/0123abcd", "", &error);
    REQUIRE(q);
    CHECK(q->what == What::run);
    CHECK(q->name == "0123abcd");

    for (const char* path : {"/api/v1/jobs/a/run", "/api/v1/jobs//runs", "/api/v1/runs/", "/api/v1/runs/a/b",
                             "/api/v1/jobs/a/runs/"}) {
        error.clear();
        CHECK_FALSE(history_query(path, "", &error));
        CHECK(error.empty());
    }
    struct Bad {
        const char* query;
        const char* says;
    };
    for (const auto& bad : {Bad{"limit=0", "limit is a whole number from 1 to 1000, not `0`"},
                            Bad{"limit=1001", "not `1001`"}, Bad{"limit=ten", "not `ten`"}, Bad{"limit=", "not ``"},
                            Bad{"status=broken", "status is passed, failed, cancelled or skipped, not `broken`"},
                            Bad{"order=asc", "unknown query key `order` (limit and status are known)"},
                            Bad{"limit=%zz", "bad %-escape"}}) {
        error.clear();
        CHECK_FALSE(history_query("/api/v1/jobs/a/runs", bad.query, &error));
        CHECK_MESSAGE(error.find(bad.says) != std::string::npos, bad.query, " -> ", error);
    }
    error.clear();
    CHECK_FALSE(history_query("/api/v1/runs/abc", "limit=3", &error));
    CHECK(error.find("this path takes none") != std::string::npos);
}

TEST_SUITE_END();
