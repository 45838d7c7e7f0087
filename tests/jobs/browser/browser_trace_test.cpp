// `trace`: a Chromium performance trace per attempt, in real headless Chromium on pages
// served from loopback, read back by the Chrome DevTools Performance panel's own trace
// engine (npm @paulirish/trace_engine, tests/deploy/read_trace.mjs): the reader the
// trace is for, written by neither gaia nor this test.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/deploy_tools.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

using namespace gaia::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Marks the DevTools timeline shows, a request, and some work on the main thread.
constexpr const char* kTracedPage = R"HTML(<!doctype html><title>traced</title>
<p id="p">traced page</p>
<script>
performance.mark('gaia-before-work');
let x = 0; for (let i = 0; i < 2e6; ++i) x += Math.sqrt(i);
performance.mark('gaia-after-work');
fetch('data.json').then(() => { document.getElementById('p').dataset.done = '1'; });
</script>)HTML";

// What DevTools' trace engine made of a trace file.
json read_trace(const std::string& path) {
    const auto out = run_program({"node", deploy_tool("read_trace.mjs"), path});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    return json::parse(out.out);
}

bool has(const json& array, const std::string& value) {
    return std::find(array.begin(), array.end(), json(value)) != array.end();
}

}  // namespace

TEST_CASE("a traced page's trace is written to its path, or kept with a failed attempt's artifacts, and DevTools reads it") {
    if (const auto why = deploy_tools_unavailable(); !why.empty()) return report_skipped(why);
    FileServer server;
    server.dir().file("traced.html", kTracedPage);
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto out = dir.path() / "out";
    const auto artifacts = dir.path() / "art";
    // Three traced pages on one browser with four tabs: they take turns (Chromium traces
    // one at a time); the untraced pages run beside them.
    auto r = run_with_metrics(dir, R"T(
[browser]
instances = 1
tabs_per_instance = 4

[jobs.traced]
kind = "browser"
repeat = 3
url = ")T" + server.url("/traced.html") + R"T("
timeout = "60s"
trace = ")T" + (out / "{{ index }}.trace.json").string() + R"T("
steps = [{ wait_for = "#p[data-done]" }]

[jobs.failing]
kind = "browser"
url = ")T" + server.url("/traced.html") + R"T("
timeout = "60s"
trace = true
steps = [{ wait_for = "#never", timeout = "300ms" }]

[jobs.passing]
kind = "browser"
url = ")T" + server.url("/traced.html") + R"T("
timeout = "60s"
trace = true

[jobs.untraced]
kind = "browser"
repeat = 4
url = ")T" + server.url("/traced.html") + R"T("
timeout = "60s"
)T",
                              {"--artifacts", artifacts.string(), "--report-instances", "all"});
    INFO(r.out.err);
    CHECK(job(r.report, "traced")["status"] == "passed");
    CHECK(job(r.report, "passing")["status"] == "passed");
    CHECK(job(r.report, "untraced")["status"] == "passed");
    CHECK(job(r.report, "failing")["status"] == "failed");
    for (int index = 0; index < 3; ++index) {
        const auto path = out / (std::to_string(index) + ".trace.json");
        REQUIRE(fs::exists(path));
        const auto trace = read_trace(path.string());
        INFO(trace.dump(2));
        // A trace is the whole browser's: the untraced pages beside this one show in it
        // too, so this page's marks and requests are among what it holds. Not asserted: the
        // first navigation and its document request, which a busy CI machine's traces at
        // times lacked (the site's new renderer process joins the trace late).
        CHECK(has(trace["marks"], "gaia-before-work"));
        CHECK(has(trace["marks"], "gaia-after-work"));
        CHECK(has(trace["requests"], server.url("/data.json")));
    }
    // The failed attempt's trace is among its artifacts; the passing one left none.
    const auto kept = artifacts / "failing" / "0-1" / "trace.json";
    REQUIRE(fs::exists(kept));
    CHECK(has(read_trace(kept.string())["marks"], "gaia-after-work"));
    CHECK_FALSE(fs::exists(artifacts / "passing"));
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("trace = true in a run that writes no artifacts fails the job and says why") {
    FileServer server;
    server.dir().file("traced.html", kTracedPage);
    TempDir dir;
    BrowserScratch scratch(dir);
    auto r = run_with_metrics(dir, R"T(
[jobs.traced]
kind = "browser"
url = ")T" + server.url("/traced.html") + R"T("
trace = true
)T");
    INFO(r.out.err);
    const auto& traced = job(r.report, "traced");
    CHECK(traced["status"] == "failed");
    CHECK(traced["first_error"] ==
          "trace = true keeps the trace with the attempt's artifacts, which this run does not write: run with "
          "--artifacts DIR, or give `trace` a path");
}

TEST_CASE("a trace that is neither true nor a path is an error with its place") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", "[jobs.a]\nkind = \"browser\"\nurl = \"about:blank\"\ntrace = \"\"\n\n"
                                            "[jobs.b]\nkind = \"browser\"\nurl = \"about:blank\"\ntrace = 3\n");
    const auto out = run_gaia({"validate", file});
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(file + ":4:9: error: `trace` is true, or the path of a trace file") != std::string::npos);
    CHECK(out.err.find(file + ":9:9: error: ") != std::string::npos);
}
