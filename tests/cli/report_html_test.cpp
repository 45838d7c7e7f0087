// The HTML report: gaia run --report-html, gaia report html and gaia report merge
// --report-html write one self-contained page, drawn from the JSON report alone; real
// headless Chromium (gaia's own browser pool) opens it offline, under its own CSP, and
// the screenshots' pixels show the timeline and a histogram drawn.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/nginx_server.hpp"
#include "tests/support/png.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>

using namespace gaia::test;
using nlohmann::json;

namespace {

// A run that fails in every way the page shows: a fan-out whose instances 3, 13, 23 and 33
// fail after a retry (one message, with characters HTML must escape), thresholds broken, a
// job skipped for it, and a file job that passes beside it. The first job takes 0.3 s, so
// its lane is wide enough to count its pixels.
std::string failing_job_file(const TempDir& dir) {
    return dir.file("nightly.toml", R"T(name = "nightly"
[jobs.prepare]
kind = "process"
command = ["sleep", "0.3"]

[jobs.fetch]
kind = "process"
needs = ["prepare"]
repeat = 40
command = ["sh", "-c", "sleep 0.0$(( {{ index }} % 5 )); test $(( {{ index }} % 10 )) -ne 3 || { echo 'disk <full> & gone' >&2; exit 3; }"]
retries = { attempts = 1, backoff = "1ms" }
thresholds = { success_rate = 0.95, p95 = "1ms" }

[jobs.write]
kind = "file"
op = "write"
needs = ["prepare"]
path = ")T" + (dir.path() / "out.txt").string() + R"T("
content = "x"

[jobs.publish]
kind = "process"
needs = ["fetch", "write"]
command = ["true"]
)T");
}

// A thousand http jobs of a hundred GETs each against nginx, in ten waves (a job needs the
// one a hundred before it); ten jobs of the last wave fetch /index/{{ index }}, which
// fails one instance in ten: 100,000 instances, 100 of them failed.
std::string thousand_jobs(const NginxServer& nginx) {
    std::string text = "name = \"thousand\"\n[settings]\nconcurrency = 100\n";
    for (int k = 0; k < 1000; ++k) {
        char name[16];
        std::snprintf(name, sizeof name, "api-%03d", k);
        text += std::string("[jobs.") + name + "]\nkind = \"http\"\nrepeat = 100\n";
        const bool flaky = k >= 900 && k % 10 == 0;
        text += "url = \"" + nginx.http_url(flaky ? "/index/{{ index }}" : "/hello.txt") + "\"\n";
        if (k >= 100) {
            std::snprintf(name, sizeof name, "api-%03d", k - 100);
            text += std::string("needs = [\"") + name + "\"]\n";
        }
    }
    return text;
}

// A directory for a test's screenshots.
std::filesystem::path shots_dir(const TempDir& dir) {
    const auto shots = dir.path() / "shots";
    std::filesystem::create_directories(shots);
    return shots;
}

// Serves `html` as /report.html and opens it in a browser job, `look`, whose other keys
// (timeout, color_scheme, steps) are `keys`; it expects no console error.
RunResult look_at(const TempDir& dir, FileServer& server, const std::string& html, const std::string& keys) {
    server.dir().file("report.html", html);
    return run_with_metrics(dir, "[jobs.look]\nkind = \"browser\"\nurl = \"" + server.url("/report.html") + "\"\n" + keys +
                                     "expect = { no_console_errors = true }\n");
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// Pixels of a screenshot for which `match` holds.
std::size_t pixels(const Png& png, const std::function<bool(int r, int g, int b)>& match) {
    std::size_t n = 0;
    for (std::uint32_t y = 0; y < png.height; ++y) {
        for (std::uint32_t x = 0; x < png.width; ++x) {
            const auto c = png.rgb(x, y);
            n += match(c[0], c[1], c[2]);
        }
    }
    return n;
}

}  // namespace

TEST_CASE("--report-html writes one self-contained page: verdict, timeline, jobs, failures by message, thresholds") {
    TempDir dir;
    const auto file = failing_job_file(dir);
    const auto html_path = (dir.path() / "report.html").string(), json_path = (dir.path() / "report.json").string();
    const auto out = run_gaia({"-q", "run", file, "--report-json", json_path, "--report-html", html_path});
    INFO(out.err);
    CHECK(out.exit_code == 1);
    const auto html = read_file(html_path);
    REQUIRE(html.rfind("<!doctype html>", 0) == 0);

    // Nothing to fetch: no src, no remote link, no stylesheet or script from elsewhere; a
    // policy that allows the page's own style and script only.
    CHECK(html.find("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-") != std::string::npos);
    CHECK(html.find(" src=") == std::string::npos);
    CHECK(html.find("href=\"http") == std::string::npos);
    CHECK(html.find("url(") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK(occurrences(html, "<script") == 1);
    CHECK(occurrences(html, "<style") == 1);
    CHECK(html.find(" style=\"") == std::string::npos);  // a style attribute would break the policy

    // The verdict at the top.
    CHECK(html.find("<span class=\"verdict failed\">failed</span> nightly</h1>") != std::string::npos);
    CHECK(html.find("<b>exit 1</b><span>exit status</span>") != std::string::npos);
    CHECK(html.find("<b>2 of 4</b><span>jobs passed</span>") != std::string::npos);  // prepare and write
    CHECK(html.find("<b>4</b><span>retries</span>") != std::string::npos);
    // The timeline: a lane per job, publish in the last stage (it needs fetch, which needs
    // prepare), failures and retries marked on fetch's lane.
    const auto timeline = html.substr(html.find("<section id=\"timeline\""), html.find("<section id=\"jobs\"") - html.find("<section id=\"timeline\""));
    CHECK(occurrences(timeline, "<a href=\"#job-") == 4);
    CHECK(timeline.find("class=\"fail-mark\"") != std::string::npos);
    CHECK(timeline.find("class=\"retry-mark\"") != std::string::npos);
    CHECK(timeline.find("class=\"density\"") != std::string::npos);
    CHECK(timeline.find("fetch: failed") < timeline.find("publish: skipped, did not run"));
    CHECK(timeline.find("40 instances, 4 failed, 4 retries") != std::string::npos);
    // The failures: the one message, escaped, with its four instances.
    CHECK(html.find("disk &lt;full&gt; &amp; gone") != std::string::npos);
    CHECK(html.find("disk <full>") == std::string::npos);
    CHECK(html.find("#3, #13, #23, #33") != std::string::npos);
    // The thresholds, and that they broke; a histogram for the fan-out with its limit.
    CHECK(html.find("<td>success rate</td><td>≥ 95.0%</td><td>90.0%</td><td class=\"broke\">no</td>") != std::string::npos);
    CHECK(html.find("<td>p95 latency</td><td>≤ 1ms</td>") != std::string::npos);
    CHECK(html.find("class=\"histogram\"><title>Latency of fetch: 40 instances") != std::string::npos);
    CHECK(html.find(">p95 limit</text>") != std::string::npos);
    CHECK(html.find("<section id=\"subsystems\"") != std::string::npos);

    // Drawn again later from the JSON report, it is the same page.
    const auto again = (dir.path() / "again.html").string();
    const auto later = run_gaia({"report", "html", json_path, "-o", again});
    INFO(later.err);
    CHECK(later.exit_code == 0);
    CHECK(later.out.find("wrote " + again) != std::string::npos);
    CHECK(read_file(again) == html);
}

TEST_CASE("an interrupted run still gets its page: interrupted, exit 130, cancelled jobs, no retries made up") {
    TempDir dir;
    const auto file = dir.file("long.toml", R"T(name = "long"
[jobs.quick]
kind = "process"
repeat = 5
command = ["true"]

[jobs.slow]
kind = "process"
needs = ["quick"]
repeat = 4
command = ["sleep", "30.2525"]

[jobs.after]
kind = "process"
needs = ["slow"]
command = ["true"]
)T");
    const auto html_path = (dir.path() / "report.html").string();
    BackgroundGaia gaia({"-q", "run", file, "--report-html", html_path}, dir.path());
    REQUIRE(wait_for_processes("sleep 30.2525", 4) >= 4);
    gaia.signal(SIGINT);
    CHECK(gaia.wait(10) == 130);
    const auto html = read_file(html_path);
    CHECK(html.find("<span class=\"verdict interrupted\">interrupted</span> long</h1>") != std::string::npos);
    CHECK(html.find("<b>exit 130</b><span>exit status</span>") != std::string::npos);
    CHECK(html.find("<b>1 of 3</b><span>jobs passed</span>") != std::string::npos);
    CHECK(html.find("<b>2</b><span>jobs cancelled</span>") != std::string::npos);
    CHECK(html.find("jobs failed") == std::string::npos);
    // Each sleeper made one attempt and was cancelled in it: that is no retry.
    CHECK(html.find("<span>retries</span>") == std::string::npos);
    CHECK(html.find("slow: cancelled, from ") != std::string::npos);
    CHECK(html.find("4 instances, ") == std::string::npos);
}

TEST_CASE("gaia report html refuses what is not a JSON report, and writes nothing") {
    TempDir dir;
    const auto page = (dir.path() / "page.html").string();
    for (const auto& [text, why] : std::vector<std::pair<std::string, std::string>>{
             {"not json {", "not a gaia JSON report: it is not JSON"},
             {R"({"runs": []})", "not a gaia JSON report: it has no \"run\" object and \"jobs\" array"},
             {R"({"run": {}, "jobs": [{"kind": "process"}]})", "not a gaia JSON report: a job without a name"}}) {
        const auto report = dir.file("r.json", text);
        const auto out = run_gaia({"report", "html", report, "-o", page});
        CHECK(out.exit_code == 2);
        CHECK(out.err.find(report + ": " + why) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(page));
    }
    const auto missing = run_gaia({"report", "html", (dir.path() / "none.json").string(), "-o", page});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err.find("cannot read") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(page));
}

TEST_CASE("a report of another hand is drawn, not crashed on: wrong types, needs that loop, values nested 100,000 deep") {
    TempDir dir;
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    std::string deep_object;
    for (int i = 0; i < 100000; ++i) deep_object += "{\"k\": ";
    deep_object += "1" + std::string(100000, '}');
    const auto report = dir.file("odd.json", R"({"run": {"name": 7, "status": ["failed"], "duration_s": "long"},
 "jobs": [{"name": "a", "status": "failed", "needs": ["b"], "instances": -3, "started_s": "soon",
           "activity": {"bin_s": 1e300, "bins": [[1, 2]]}, "latency_histogram": {"buckets": "many"},
           "captures": {"x": )" + deep + R"(}},
          {"name": "b", "needs": ["a", 5, null], "details": )" + deep + R"(, "thresholds": {"p95": 3}}],
 "instances": [{"job": "a", "index": "one", "status": "failed", "error": 1, "item": )" + deep + R"(}],
 "subsystems": {"s": )" + deep_object + "}}");
    const auto page = (dir.path() / "odd.html").string();
    const auto out = run_gaia({"report", "html", report, "-o", page});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    const auto html = read_file(page);
    CHECK(html.find("(nested more than 64 levels deep: see the JSON report)") != std::string::npos);
    CHECK(html.find("<a href=\"#job-0\">a</a>") != std::string::npos);
    CHECK(html.find("</html>") != std::string::npos);
}

TEST_CASE("a 5,000-job chain listed last job first is drawn in one pass over its needs, each job a stage deeper") {
    TempDir dir;
    json jobs = json::array();
    for (int k = 4999; k >= 0; --k) {
        json j = {{"name", "step-" + std::to_string(k)}, {"kind", "process"}, {"status", "passed"}, {"instances", 1},
                  {"passed", 1}, {"failed", 0}, {"attempts", 1}, {"started_s", k * 0.01}, {"finished_s", k * 0.01 + 0.01}};
        if (k > 0) j["needs"] = json::array({"step-" + std::to_string(k - 1)});
        jobs.push_back(std::move(j));
    }
    const auto report = dir.file("chain.json", json{{"run", {{"name", "chain"}, {"status", "passed"}, {"duration_s", 50}}},
                                                    {"jobs", std::move(jobs)}}.dump());
    const auto page = (dir.path() / "chain.html").string();
    const auto start = std::chrono::steady_clock::now();
    const auto out = run_gaia({"report", "html", report, "-o", page});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    // Round after round over every job (one round per level) took seconds here; one pass
    // over the graph takes a tenth of one.
#ifdef GAIA_SANITIZED
    CHECK(seconds < 10);
#else
    CHECK(seconds < 1.5);
#endif
    // The lanes go by depth: step-0 first, step-4999 last, whatever the report's order.
    const auto html = read_file(page);
    const auto timeline = html.substr(html.find("<section id=\"timeline\""), html.find("<section id=\"jobs\"") - html.find("<section id=\"timeline\""));
    CHECK(timeline.find("<title>step-0: passed") < timeline.find("<title>step-1: passed"));
    CHECK(timeline.find("<title>step-4998: passed") < timeline.find("<title>step-4999: passed"));
    CHECK(timeline.find("<title>step-1: passed") < timeline.find("<title>step-4998: passed"));
}

TEST_CASE("gaia report merge --report-html draws the merged run, every shard's instances on one timeline") {
    TempDir dir;
    const auto file = dir.file("fan.toml", R"T(name = "fan"
[jobs.each]
kind = "process"
repeat = 30
command = ["sh", "-c", "test {{ index }} -ne 7"]
)T");
    std::vector<std::string> shards;
    for (int k = 1; k <= 2; ++k) {
        shards.push_back((dir.path() / ("s" + std::to_string(k) + ".json")).string());
        run_gaia({"-q", "run", file, "--shard", std::to_string(k) + "/2", "--report-json", shards.back()});
        REQUIRE(std::filesystem::exists(shards.back()));
    }
    const auto page = (dir.path() / "merged.html").string();
    const auto out = run_gaia({"-q", "report", "merge", shards[0], shards[1], "--report-html", page});
    INFO(out.err);
    CHECK(out.exit_code == 1);
    const auto html = read_file(page);
    CHECK(html.find("merged from 2 shards") != std::string::npos);
    CHECK(html.find("each: failed") != std::string::npos);
    CHECK(html.find("30 instances, 1 failed") != std::string::npos);
    CHECK(html.find("#7") != std::string::npos);
}

TEST_CASE("Chromium opens the HTML report offline under its own CSP: no console error, sortable, keyboard, drawn") {
    TempDir dir;
    FileServer server;  // before the scratch: its files are not under the browsers' TMPDIR
    BrowserScratch scratch(dir);
    const auto html_path = (dir.path() / "report.html").string();
    run_gaia({"-q", "run", failing_job_file(dir), "--report-html", html_path});
    REQUIRE(std::filesystem::exists(html_path));
    const auto shots = shots_dir(dir);
    const auto run = look_at(dir, server, read_file(html_path), R"T(
timeout = "60s"
steps = [
  { wait_for = "#timeline svg" },
  { expect_text = "header .verdict", text = "failed" },
  { eval = "document.querySelectorAll('#timeline svg a').length", as = "lanes" },
  { press = "Tab" },
  { eval = "document.activeElement.textContent", as = "focused" },
  { press = "Enter" },
  { eval = "location.hash", as = "hash" },
  { eval = "[...document.querySelectorAll('#jobs tbody tr')].map(r => r.cells[0].textContent)", as = "first_order" },
  { click = "#jobs th:nth-child(5) button" },
  { eval = "[...document.querySelectorAll('#jobs tbody tr')].map(r => r.cells[0].textContent)", as = "ascending" },
  { click = "#jobs th:nth-child(5) button" },
  { eval = "[...document.querySelectorAll('#jobs tbody tr')].map(r => r.cells[0].textContent)", as = "descending" },
  { eval = "document.querySelector('#jobs th:nth-child(5)').getAttribute('aria-sort')", as = "sorted" },
  { screenshot = ")T" + (shots / "timeline.png").string() + R"T(", selector = "#timeline svg" },
  { screenshot = ")T" + (shots / "histogram.png").string() + R"T(", selector = "svg.histogram" },
  { screenshot = ")T" + (shots / "page.png").string() + R"T(", full_page = true },
]
)T");
    const auto& report = run.report;
    INFO(report.dump(2), run.out.err);
    REQUIRE(job(report, "look")["status"] == "passed");
    const auto& c = job(report, "look")["captures"];
    CHECK(c["lanes"] == 4);
    CHECK(c["first_order"] == json::array({"prepare", "fetch", "write", "publish"}));
    CHECK(c["ascending"][3] == "fetch");  // the only job with failures, last going up
    CHECK(c["descending"][0] == "fetch");
    CHECK(c["sorted"] == "descending");
    CHECK(c["focused"] == "Timeline");  // the first thing Tab reaches: the sections' links
    CHECK(c["hash"] == "#timeline");
    // Offline: the page asked for nothing but itself (the favicon is the browser's asking).
    std::vector<std::string> asked;
    for (const auto& line : server.requests()) {
        if (line.rfind("GET /favicon.ico ", 0) != 0) asked.push_back(line);
    }
    CHECK(asked == std::vector<std::string>{"GET /report.html HTTP/1.1"});

    // Drawn: the timeline shows green (passed) and red (failed) spans, the histogram blue
    // bars. (A span is its status colour over the lane at 55%; a failed one is darker where
    // the density of its instances is drawn over it.)
    const auto timeline = decode_png(read_file(shots / "timeline.png"));
    CHECK(timeline.width > 400);
    const auto greenish = pixels(timeline, [](int r, int g, int b) { return g > r + 40 && g > b + 20; });
    const auto reddish = pixels(timeline, [](int r, int g, int b) { return r > g + 40 && r > b + 30; });
    CHECK(greenish > 200);
    CHECK(reddish > 200);
    const auto histogram = decode_png(read_file(shots / "histogram.png"));
    const auto blue = pixels(histogram, [](int r, int g, int b) { return b > r + 80 && b > g + 40; });
    CHECK(blue > 100);
    CHECK(std::filesystem::file_size(shots / "page.png") > 10000);
    CHECK(scratch.browsers() == 0);
    CHECK(scratch.clean());
}

TEST_CASE("Chromium shows a passing run's report in dark mode: dark page, passed verdict, green spans, no failure mark") {
    TempDir dir;
    FileServer server;
    BrowserScratch scratch(dir);
    const auto file = dir.file("daily.toml", R"T(name = "daily"
[jobs.prepare]
kind = "process"
command = ["sleep", "0.2"]

[jobs.check]
kind = "process"
needs = ["prepare"]
repeat = 20
command = ["sh", "-c", "sleep 0.0$(( {{ index }} % 4 ))"]
)T");
    const auto html_path = (dir.path() / "report.html").string();
    const auto made = run_gaia({"-q", "run", file, "--report-html", html_path});
    INFO(made.err);
    REQUIRE(made.exit_code == 0);
    const auto shots = shots_dir(dir);
    const auto run = look_at(dir, server, read_file(html_path), R"T(
color_scheme = "dark"
timeout = "60s"
steps = [
  { wait_for = "#timeline svg" },
  { expect_text = "header .verdict", text = "passed" },
  { eval = "getComputedStyle(document.body).backgroundColor", as = "background" },
  { eval = "getComputedStyle(document.body).color", as = "color" },
  { eval = "document.querySelector('#failures').textContent", as = "failures" },
  { screenshot = ")T" + (shots / "timeline.png").string() + R"T(", selector = "#timeline svg" },
  { screenshot = ")T" + (shots / "page.png").string() + R"T(" },
]
)T");
    INFO(run.report.dump(2), run.out.err);
    REQUIRE(job(run.report, "look")["status"] == "passed");
    const auto& c = job(run.report, "look")["captures"];
    CHECK(c["background"] == "rgb(13, 17, 23)");  // the dark palette's
    CHECK(c["color"] == "rgb(230, 237, 243)");
    CHECK(c["failures"].get<std::string>().find("None: every instance that ran passed.") != std::string::npos);
    // The viewport is mostly the dark background; the timeline has green spans on dark
    // lanes and not one red pixel.
    const auto page = decode_png(read_file(shots / "page.png"));
    const auto dark = pixels(page, [](int r, int g, int b) { return r < 40 && g < 40 && b < 50; });
    CHECK(dark > page.width * page.height / 2);
    const auto timeline = decode_png(read_file(shots / "timeline.png"));
    CHECK(pixels(timeline, [](int r, int g, int b) { return g > r + 40 && g > b + 20; }) > 200);
    CHECK(pixels(timeline, [](int r, int g, int b) { return r > g + 40 && r > b + 30; }) == 0);
    CHECK(pixels(timeline, [](int r, int g, int b) { return r > 200 && g > 200 && b > 200; }) < timeline.width * timeline.height / 20);
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("a 1,000-job, 100,000-instance run: a bounded page, drawn again from JSON in a moment, that Chromium opens and draws" *
          doctest::test_suite("slow")) {
    TempDir dir;
    NginxServer nginx;
    FileServer server;
    BrowserScratch scratch(dir);
    const auto file = dir.file("thousand.toml", thousand_jobs(nginx));
    const auto html_path = (dir.path() / "report.html").string(), json_path = (dir.path() / "report.json").string();
    const auto made = run_gaia({"-q", "run", file, "--report-json", json_path, "--report-html", html_path});
    INFO(made.err);
    CHECK(made.exit_code == 1);
    const auto report = json::parse(read_file(json_path));
    REQUIRE(report["jobs"].size() == 1000);
    std::uint64_t instances = 0, failed = 0;
    for (const auto& j : report["jobs"]) {
        instances += j["instances"].get<std::uint64_t>();
        failed += j["failed"].get<std::uint64_t>();
    }
    CHECK(instances == 100000);
    CHECK(failed == 100);
    // The API client pool's figures: every request to the one host, by status code.
    CHECK(report["subsystems"]["api"]["hosts"]["127.0.0.1"] ==
          json{{"requests", 100000}, {"codes", {{"200", 99900}, {"503", 100}}}});

    // Bounded: a lane, a row and a section per job, not a mark per instance.
    const auto html = read_file(html_path);
    const auto size = html.size();
    MESSAGE("HTML report of 1,000 jobs and 100,000 instances: ", size, " bytes");
    CHECK(size < 4u * 1024 * 1024);
    CHECK(occurrences(html, "class=\"histogram\"") == 1000);
    CHECK(html.find("<b>100,000</b><span>instances</span>") != std::string::npos);
    CHECK(html.find("<b>100</b><span>instances failed</span>") != std::string::npos);

    CHECK(html.find("#3, #13, #23, #33, #43, #53, #63, #73, #83, #93") != std::string::npos);
    CHECK(html.find("<tr><td>127.0.0.1</td><td class=\"n\" data-v=\"100000\">100,000</td><td>200 × 99,900 · 503 × 100</td></tr>") !=
          std::string::npos);

    // Drawn again from the JSON alone: the same page, quickly (the bench measures it on a
    // quiet machine; this only catches a page that has become many times slower).
    const auto again = (dir.path() / "again.html").string();
    const auto start = std::chrono::steady_clock::now();
    const auto later = run_gaia({"report", "html", json_path, "-o", again});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    MESSAGE("gaia report html of that run: ", seconds, " s");
    CHECK(later.exit_code == 0);
    CHECK(read_file(again) == html);
#ifdef GAIA_SANITIZED
    CHECK(seconds < 30);
#else
    CHECK(seconds < 5);
#endif

    // Chromium opens it: every lane, row, section and histogram there, the timeline drawn.
    const auto shots = shots_dir(dir);
    const auto run = look_at(dir, server, html, R"T(
timeout = "120s"
steps = [
  { wait_for = "footer" },
  { eval = "document.querySelectorAll('#timeline svg a').length", as = "lanes" },
  { eval = "document.querySelectorAll('#jobs tbody tr').length", as = "rows" },
  { eval = "document.querySelectorAll('#details section.job svg.histogram').length", as = "histograms" },
  { eval = "Math.round(performance.getEntriesByType('navigation')[0].loadEventEnd)", as = "load_ms" },
  { click = "#jobs th:nth-child(5) button" },
  { click = "#jobs th:nth-child(5) button" },
  { eval = "document.querySelector('#jobs tbody tr').cells[0].textContent", as = "most_failed" },
  { screenshot = ")T" + (shots / "timeline.png").string() + R"T(", selector = "#timeline svg" },
]
)T");
    INFO(run.report.dump(2), run.out.err);
    REQUIRE(job(run.report, "look")["status"] == "passed");
    const auto& c = job(run.report, "look")["captures"];
    CHECK(c["lanes"] == 1000);
    CHECK(c["rows"] == 1000);
    CHECK(c["histograms"] == 1000);
    MESSAGE("Chromium loaded it in ", c["load_ms"], " ms");
    const auto most_failed = c["most_failed"].get<std::string>();  // one of the ten flaky jobs
    CHECK((most_failed.rfind("api-9", 0) == 0 && most_failed.back() == '0'));
    const auto timeline = decode_png(read_file(shots / "timeline.png"));
    CHECK(timeline.height > 8000);  // a lane of 8 px and its gap per job
    CHECK(pixels(timeline, [](int r, int g, int b) { return g > r + 40 && g > b + 20; }) > 100000);
    CHECK(pixels(timeline, [](int r, int g, int b) { return r > g + 40 && r > b + 30; }) > 1000);
    CHECK(scratch.browsers() == 0);
}
