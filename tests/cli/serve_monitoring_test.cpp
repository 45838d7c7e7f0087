// gaia serve watched the way operators watch it: its web dashboard rendered by headless
// Chromium (driven by gaia's own browser pool), and a real Prometheus scraping it.

#include "tests/support/curl.hpp"
#include "tests/support/png.hpp"
#include "tests/support/prometheus_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

using namespace gaia::test;

namespace {

const char* kScheduled = R"T(name = "watched"
[jobs.tick]
kind = "process"
command = ["true"]
schedule = "@every 1s"

[jobs.broken]
kind = "process"
command = ["sh", "-c", "echo 'disk quota exceeded' >&2; exit 1"]
schedule = "@every 1s"
)T";

}  // namespace

TEST_CASE("the dashboard at / is self-contained and renders health, jobs, their recent runs and a run's output in Chromium") {
    TempDir dir;
    // tick passes and broken fails, so the process success rate hovers around 50%: with the
    // default objective (0.95) that is the very edge of unhealthy (under half of it), where
    // /health answers 503 and Chromium logs the 503 as a console error. An objective of 0.6
    // keeps the subsystem clearly degraded, which is what the page is checked to show.
    const std::string job_file = std::string(kScheduled) + "[slo.process]\nsuccess_rate = 0.6\n";
    ServedGaia served({"serve", dir.file("jobs.toml", job_file)}, dir.path());
    auto& gaia = served.process;
    const std::string& base = served.base;
    REQUIRE_MESSAGE(wait_until_up(base), gaia.err());

    auto page = curl({"-i", base + "/"});
    CHECK(page.out.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(page.out.find("Content-Type: text/html; charset=utf-8") != std::string::npos);
    CHECK(page.out.find("Content-Security-Policy: default-src 'none'") != std::string::npos);
    // No external script, style, font or image: nothing to fetch from anywhere else.
    for (const char* external : {"http://", "https://", "<link", "src=", "@import", "url("}) {
        INFO(external);
        CHECK(page.out.find(external) == std::string::npos);
    }
    REQUIRE(eventually([&] {
        auto jobs = get_json(base + "/api/v1/jobs");
        return jobs.is_object() && !jobs["jobs"][0]["last"].is_null() && !jobs["jobs"][1]["last"].is_null();
    }));

    // gaia's browser pool opens the dashboard, waits until the data is on the page, reads
    // it and takes a screenshot. The page's CSP would log a console error for anything it
    // tried to load from elsewhere: no_console_errors checks that too.
    const auto shot = (dir.path() / "dashboard.png").string();
    const std::string viewer = "[jobs.dashboard]\nkind = \"browser\"\nurl = \"" + base + "/\"\ntimeout = \"60s\"\n" +
                               "steps = [\n"
                               "  { wait_for = \"body[data-loaded] tr[data-job=broken] td.status.failed\" },\n"
                               "  { wait_for = \"tr[data-job=tick] td.status.passed\" },\n"
                               "  { wait_for = \"tr[data-job=tick] .strip .cell.passed\" },\n"
                               "  { click = \"tr[data-job=broken] .strip .cell.failed\" },\n"
                               "  { wait_for = \"#run:not([hidden]) .instance pre.stderr\" },\n"
                               "  { extract = \"#run\", as = \"run\" },\n"
                               "  { extract = \"#jobs\", as = \"jobs\" },\n"
                               "  { extract = \"#subsystems\", as = \"subsystems\" },\n"
                               "  { extract = \"#rates\", as = \"rates\" },\n"
                               "  { screenshot = \"" + shot + "\" },\n"
                               "]\n"
                               "expect = { title_contains = \"gaia\", no_console_errors = true }\n";
    TempDir browser_tmp;
    auto viewed = run_with_metrics(dir, viewer, {}, {"TMPDIR=" + browser_tmp.path().string()});
    INFO(viewed.out.err);
    REQUIRE(viewed.out.exit_code == 0);
    const auto& captures = viewed.report["jobs"][0]["captures"];
    const auto jobs_text = captures["jobs"].get<std::string>();
    for (const char* shown : {"tick", "broken", "process", "@every 1s", "passed", "failed"}) {
        INFO(shown, " in ", jobs_text);
        CHECK(jobs_text.find(shown) != std::string::npos);
    }
    const auto health_text = captures["subsystems"].get<std::string>();
    for (const char* shown : {"api", "file", "browser", "process", "network", "healthy", "degraded"}) {
        INFO(shown, " in ", health_text);
        CHECK(health_text.find(shown) != std::string::npos);
    }
    CHECK(captures["rates"].get<std::string>().find("tasks / s") != std::string::npos);
    // The run clicked in broken's strip: its instance, error and the tail of its stderr.
    const auto run_text = captures["run"].get<std::string>();
    for (const char* shown : {"failed", "job broken", "broken #0", "exit 1", "disk quota exceeded", "stderr"}) {
        INFO(shown, " in ", run_text);
        CHECK(run_text.find(shown) != std::string::npos);
    }
    CHECK(health_text.find("state") != std::string::npos);
    const auto png = decode_png(read_file(shot));
    CHECK(png.width == 1280);
    CHECK(png.height == 720);

    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
}

TEST_CASE("a real Prometheus scrapes gaia serve: up is 1 and gaia_tasks_total rises") {
    TempDir dir;
    ServedGaia served({"serve", dir.file("jobs.toml", kScheduled)}, dir.path());
    auto& gaia = served.process;
    REQUIRE_MESSAGE(wait_until_up(served.base), gaia.err());

    PrometheusServer prometheus(dir.path(), served.address);
    auto scalar = [&](const std::string& promql) { return prometheus.scalar(promql); };
    INFO(prometheus.err());
    REQUIRE(eventually([&] { return scalar("up{job=\"gaia\"}") == 1; }, 30));
    REQUIRE(eventually([&] { return scalar("sum(gaia_tasks_total)") > 0; }));
    const double first = scalar("sum(gaia_tasks_total)");
    CHECK(eventually([&] { return scalar("sum(gaia_tasks_total)") >= first + 2; }));
    CHECK(scalar("sum(gaia_tasks_total{job=\"broken\",status=\"failed\"})") > 0);
    CHECK(scalar("gaia_build_info") == 1);
    CHECK(scalar("sum(gaia_job_runs_total{job=\"tick\"})") > 0);

    CHECK(prometheus.stop() == 0);
    gaia.signal(SIGTERM);
    CHECK(gaia.wait(20) == 0);
}
