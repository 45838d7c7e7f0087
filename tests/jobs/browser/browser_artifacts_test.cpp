// What a failed browser page leaves to look at: a full-page screenshot, the DOM as it was,
// the console log and the requests the page made — in real headless Chromium, against
// pages the test serves on loopback.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/file_helpers.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/png.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>

using namespace gaia::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Red, taller than any viewport, noisy on the console, with an image that is not there and
// a paragraph only its script writes.
constexpr const char* kBrokenPage = R"HTML(<!doctype html>
<html><head><title>broken page</title>
<style>body { margin: 0; background: #ff0000 } #tall { height: 3000px }</style></head>
<body><h1>Checkout</h1><img src="missing.png"><div id="tall"></div>
<script>
console.error('boom from the page');
console.warn('careful now');
const p = document.createElement('p'); p.id = 'added'; p.textContent = 'written by the script'; document.body.appendChild(p);
</script></body></html>
)HTML";

const std::set<std::string> kBrowserSet = {"console.log", "network.json", "page.html", "screenshot.png"};

}  // namespace

TEST_CASE("a failed browser page leaves its screenshot, DOM, console log and network log") {
    FileServer server;
    server.dir().file("broken.html", kBrokenPage);
    server.dir().file("fine.html", "<!doctype html><title>fine</title><p>all good</p>");
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto artifacts = (dir.path() / "art").string();
    const auto xml = (dir.path() / "report.xml").string();
    auto r = run_with_metrics(dir, R"T(
[jobs.check]
kind = "browser"
url = ")T" + server.url("/broken.html") + R"T("
timeout = "30s"
steps = [{ wait_for = "#checkout-done", timeout = "500ms" }]

[jobs.slow]
kind = "browser"
url = ")T" + server.url("/broken.html") + R"T("
timeout = "3s"
steps = [{ sleep = "20s" }]

# A page that never answers again: collecting waits out its 5 s bound, which must not count.
[jobs.busy]
kind = "browser"
url = ")T" + server.url("/fine.html") + R"T("
timeout = "3s"
steps = [{ eval = "for (;;) {}" }]

[jobs.fine]
kind = "browser"
url = ")T" + server.url("/fine.html") + R"T("
timeout = "30s"
)T",
                              {"--artifacts", artifacts, "--report-junit", xml});
    INFO(r.out.err);
    CHECK(r.out.exit_code == 1);
    CHECK(job(r.report, "fine")["status"] == "passed");
    CHECK(entries(artifacts) == std::set<std::string>{"busy", "check", "slow"});

    // A failed step and a timeout alike.
    for (const char* name : {"check", "slow"}) {
        INFO(name);
        const auto set = artifacts + "/" + name + "/0-1";
        REQUIRE(entries(set) == kBrowserSet);

        const auto png = decode_png(read_file(set + "/screenshot.png"));
        CHECK(png.height > 3000);  // the whole page, not the viewport
        CHECK(png.width < png.height);
        CHECK(png.rgb(5, png.height - 5) == std::array<std::uint8_t, 3>{255, 0, 0});

        const auto html = read_file(set + "/page.html");
        CHECK(html.find("<!DOCTYPE html>\n<html>") == 0);
        CHECK(html.find("<p id=\"added\">written by the script</p>") != std::string::npos);

        const auto console = read_file(set + "/console.log");
        CHECK(console.find("s] error: boom from the page\n") != std::string::npos);
        CHECK(console.find("s] warning: careful now\n") != std::string::npos);

        const auto network = json::parse(read_file(set + "/network.json"));
        CHECK(network["url"] == server.url("/broken.html"));
        CHECK(network["title"] == "broken page");
        REQUIRE(network["requests"].size() >= 2);
        const auto& navigation = network["requests"][0];
        CHECK(navigation["url"] == server.url("/broken.html"));
        CHECK(navigation["type"] == "navigation");
        CHECK(navigation["status"] == 200);
        CHECK(navigation["body_bytes"] == std::string(kBrokenPage).size());
        bool missing_seen = false;
        for (const auto& request : network["requests"]) {
            if (request["url"] != server.url("/missing.png")) continue;
            missing_seen = true;
            CHECK(request["status"] == 404);
            CHECK(request["type"] == "img");
            CHECK(request["duration_s"].get<double>() >= 0);
        }
        CHECK(missing_seen);
    }

    for (const auto& line : r.report["instances"]) {
        if (line["job"] == "slow") {
            CHECK(line["error"] == "timed out after 3s in step 1 (sleep)");
            CHECK(line["artifacts"].size() == 4);
            CHECK(line["artifacts"][0] == artifacts + "/slow/0-1/screenshot.png");
        } else if (line["job"] == "busy") {
            // The time spent collecting is not the page's: 3 s, its tab and its browser's
            // launch (which a loaded CI machine has stretched to almost 4 s), not those and
            // the 5 s the stuck page's artifacts are waited for.
            CHECK(line["error"] == "timed out after 3s in step 1 (eval \"for (;;) {}\")");
            CHECK(line["duration_s"].get<double>() < 8);
            CHECK(line["artifacts"] == json::array({artifacts + "/busy/0-1/console.log"}));
        }
    }
    CHECK(r.out.err.find("job busy failed") != std::string::npos);
    const auto junit = read_file(xml);
    CHECK(junit.find("[[ATTACHMENT|" + artifacts + "/check/0-1/screenshot.png]]") != std::string::npos);
    CHECK(junit.find("[[ATTACHMENT|" + artifacts + "/check/0-1/console.log]]") != std::string::npos);
    CHECK(scratch.browsers() == 0);
    CHECK(scratch.clean());
}

TEST_CASE("[browser].artifacts: always keeps passing pages too, off keeps none") {
    FileServer server;
    server.dir().file("fine.html", "<!doctype html><title>fine</title><p>all good</p><script>console.log('hello')</script>");
    TempDir dir;
    BrowserScratch scratch(dir);
    const std::string jobs = R"T(
[browser]
artifacts = "MODE"

[jobs.page]
kind = "browser"
url = ")T" + server.url("/fine.html") + R"T("
repeat = 2
timeout = "30s"
steps = [{ wait_for = "WAIT", timeout = "500ms" }]

[jobs.proc]
kind = "process"
command = ["sh", "-c", "echo no; exit 4"]
)T";
    auto with = [&jobs](const std::string& mode, const std::string& wait) {
        auto text = jobs;
        text.replace(text.find("MODE"), 4, mode);
        text.replace(text.find("WAIT"), 4, wait);
        return text;
    };

    // "always", no --artifacts: the default directory, in the working directory.
    dir.file("jobs.toml", with("always", "p"));
    auto always = run_program({"sh", "-c", "cd \"$2\" && exec \"$0\" run jobs.toml --report-json report.json", GAIA_BINARY,
                               "", dir.path().string()});
    INFO(always.err);
    CHECK(always.exit_code == 1);  // proc fails
    CHECK(entries(dir.path() / "gaia-artifacts/page") == std::set<std::string>{"0-1", "1-1"});
    CHECK(entries(dir.path() / "gaia-artifacts/page/1-1") == kBrowserSet);
    CHECK(read_file(dir.path() / "gaia-artifacts/page/0-1/console.log").find("s] log: hello\n") != std::string::npos);
    // The run asked for nothing: a process's failure leaves nothing.
    CHECK(!fs::exists(dir.path() / "gaia-artifacts/proc"));
    const auto report = json::parse(read_file(dir.path() / "report.json"));
    CHECK(job(report, "page")["status"] == "passed");

    // "off" with --artifacts: the process's output is kept, no page is.
    const auto off_dir = (dir.path() / "off").string();
    auto off = run_with_metrics(dir, with("off", "#nothing-like-it"), {"--artifacts", off_dir});
    CHECK(off.out.exit_code == 1);
    CHECK(job(off.report, "page")["status"] == "failed");
    CHECK(entries(off_dir) == std::set<std::string>{"proc"});
    CHECK(scratch.browsers() == 0);
}
