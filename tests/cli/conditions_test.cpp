// `if` on jobs, end to end: a false condition skips the job with its reason in every
// report, failure() runs a job because another failed, and a condition that cannot hold
// together is refused when the job file is loaded, at its line and column.

#include "tests/support/file_helpers.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

using namespace gaia::test;

TEST_CASE("if: true runs the job, false skips it with the reason in every report, failure() runs on failure") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"T([vars]
mode = "prod"

[jobs.probe]
kind = "process"
command = ["echo", "204"]
capture.code = { from = "stdout" }

[jobs.deploy]
kind = "process"
needs = ["probe"]
if = "vars.mode == 'prod' && jobs.probe.code in [200, 204]"
command = ["true"]

[jobs.canary]
kind = "process"
needs = ["probe"]
if = "vars.mode != 'prod'"
command = ["true"]

[jobs.broken]
kind = "process"
needs = ["deploy"]
command = ["false"]

[jobs.notify]
kind = "process"
needs = ["broken"]
if = "failure()"
command = ["true"]

[jobs.after]
kind = "process"
needs = ["broken"]
command = ["true"]

[jobs.cleanup]
kind = "process"
needs = ["broken"]
if = "always()"
command = ["true"]

[jobs.quiet]
kind = "process"
needs = ["deploy"]
if = "failure()"
command = ["true"]
)T");
    const auto json = (dir.path() / "r.json").string(), junit = (dir.path() / "j.xml").string();
    auto out = run_gaia({"run", "--report-json", json, "--report-junit", junit, file});
    CHECK(out.exit_code == 1);  // `broken` failed
    const auto report = nlohmann::json::parse(read_file(json));
    CHECK(job(report, "deploy")["status"] == "passed");
    CHECK(job(report, "canary")["status"] == "skipped");
    CHECK(job(report, "canary")["first_error"] == "if: `vars.mode != 'prod'` is false");
    CHECK(job(report, "notify")["status"] == "passed");
    CHECK(job(report, "after")["status"] == "skipped");
    CHECK(job(report, "cleanup")["status"] == "passed");
    CHECK(job(report, "quiet")["status"] == "skipped");
    CHECK(job(report, "quiet")["first_error"] == "if: `failure()` is false");

    pugi::xml_document doc;
    REQUIRE(doc.load_file(junit.c_str()));
    const auto canary = doc.select_node("//testcase[@name='canary']/skipped");
    REQUIRE(canary);
    CHECK(std::string(canary.node().attribute("message").value()) == "if: `vars.mode != 'prod'` is false");
    CHECK(out.err.find("job canary skipped: if: `vars.mode != 'prod'` is false") != std::string::npos);

    // gaia plan shows each job's condition.
    auto plan = run_gaia({"plan", file});
    CHECK(plan.out.find(" if ") != std::string::npos);
    CHECK(plan.out.find("vars.mode != 'prod'") != std::string::npos);

    // --var changes what it sees.
    auto flipped = run_gaia({"run", "--var", "mode=staging", "--report-json", json, file});
    CHECK(flipped.exit_code == 0);  // deploy is skipped, so `broken` never runs
    const auto second = nlohmann::json::parse(read_file(json));
    CHECK(job(second, "canary")["status"] == "passed");
    CHECK(job(second, "deploy")["first_error"] == "if: `vars.mode == 'prod' && jobs.probe.code in [200, 204]` is false");
}

TEST_CASE("if: unknown names and type errors are job-file errors at their line and column") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"T([jobs.probe]
kind = "process"
command = ["true"]
capture.code = { from = "stdout" }

[jobs.use]
kind = "process"
needs = ["probe"]
if = "jobs.probe.cod == 1 || vars.nope == 'x'"
command = ["true"]

[jobs.typed]
kind = "process"
if = "!'yes'"
command = ["true"]

[jobs.unneeded]
kind = "process"
if = "jobs.probe.code == 1"
command = ["true"]
)T");
    auto out = run_gaia({"validate", file});
    CHECK(out.exit_code == 2);
    INFO(out.err);
    CHECK(out.err.find(file + ":9:7: error: `jobs.probe.cod`: job `probe` has no capture `cod` (did you mean `code`?)") !=
          std::string::npos);
    CHECK(out.err.find(file + ":9:30: error: unknown variable `vars.nope`") != std::string::npos);
    CHECK(out.err.find(file + ":14:8: error: `if`: `!` needs true or false") != std::string::npos);
    CHECK(out.err.find(file + ":19:7: error: `jobs.probe.code`: job `unneeded` does not need `probe`") !=
          std::string::npos);
}

TEST_CASE("if: a capture of the wrong type fails the job when it is evaluated, and the run goes on") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"T([jobs.probe]
kind = "process"
command = ["echo", "maybe"]
capture.ok = { from = "stdout" }

[jobs.use]
kind = "process"
needs = ["probe"]
if = "jobs.probe.ok && true"
command = ["true"]

[jobs.other]
kind = "process"
command = ["true"]
)T");
    const auto json = (dir.path() / "r.json").string();
    auto out = run_gaia({"run", "--report-json", json, file});
    CHECK(out.exit_code == 1);
    const auto report = nlohmann::json::parse(read_file(json));
    CHECK(job(report, "use")["status"] == "failed");
    CHECK(job(report, "use")["first_error"] == "if: `jobs.probe.ok` is \"maybe\", not true or false");
    CHECK(job(report, "other")["status"] == "passed");
}
