// The browser kind end to end: gaia runs job files against pages that the test serves on
// loopback, in real headless Chromium.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/png.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

using namespace gaia::test;
using nlohmann::json;

namespace {

// A page with something to wait for, type into, click and read; red background, and a
// green 100×50 box at the top left.
constexpr const char* kAppPage = R"HTML(<!doctype html>
<html><head><title>gaia test page</title>
<style>body { margin: 0; background: #ff0000 } #app { width: 100px; height: 50px; background: #00ff00 }
#tall { height: 3000px }</style></head>
<body><div id="app">ready</div><input id="q"><button id="go" onclick="go()">Go</button><p id="out"></p>
<form id="f" onsubmit="event.preventDefault(); document.getElementById('out').textContent = 'submitted:' + document.getElementById('q').value"></form>
<script>
function go() { document.getElementById('out').textContent = 'clicked:' + document.getElementById('q').value; }
setTimeout(() => { const d = document.createElement('div'); d.id = 'late'; d.textContent = 'late one'; document.body.appendChild(d); }, 300);
document.getElementById('q').addEventListener('keydown', (e) => { if (e.key === 'Enter') document.getElementById('out').textContent = 'enter:' + e.target.value; });
</script>
<div id="tall"></div>
</body></html>
)HTML";

struct Site {
    FileServer server;
    Site() {
        server.dir().file("app.html", kAppPage);
        server.dir().file("error.html", "<!doctype html><title>noisy</title><script>console.error('boom from the page')</script>");
        server.dir().file("storage.html", "<!doctype html><title>storage</title>");
    }
    std::string url(const std::string& page) const { return server.url("/" + page); }
};

}  // namespace

TEST_CASE("browser steps: wait, type, click, press, eval, extract, captures and every expectation") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    auto report = run_report(dir, R"T(
[jobs.page]
kind = "browser"
url = ")T" + site.url("storage.html") + R"T("
repeat = 3
timeout = "30s"
steps = [
  { goto = ")T" + site.url("app.html") + R"T(" },
  { wait_for_load = "domcontentloaded" },
  { wait_for = "#late", timeout = "5s" },
  { type = "abc", into = "#q" },
  { press = "Enter" },
  { extract = "#out", as = "pressed" },
  { click = "#go" },
  { extract = "#out", as = "clicked" },
  { eval = "document.querySelectorAll('div').length + 0.5", as = "divs" },
  { eval = "new Promise(r => setTimeout(() => r({ ok: true }), 50))", as = "later" },
  { wait_for_load = "networkidle" },
  { sleep = "50ms" },
]
capture = { title = "title", where = "url" }
expect = { status = 200, title_contains = "test page", text_contains = "late one", selector_exists = ["#app", "#late"], no_console_errors = true, max_latency = "20s" }
)T");
    const auto& page = job(report, "page");
    INFO(report.dump(2));
    CHECK(page["status"] == "passed");
    const auto& c = page["captures"];
    REQUIRE(c["clicked"].size() == 3);
    CHECK(c["clicked"][0] == "clicked:abc");
    CHECK(c["pressed"][2] == "enter:abc");
    CHECK(c["divs"][1] == 3.5);
    CHECK(c["later"][0] == json{{"ok", true}});
    CHECK(c["title"][0] == "gaia test page");
    CHECK(c["where"][0] == site.url("app.html"));
    CHECK(report["subsystems"]["browser"]["launches"] == 1);
    CHECK(report["subsystems"]["browser"]["pages"]["passed"] == 3);
    CHECK(scratch.browsers() == 0);
    CHECK(scratch.clean());
}

TEST_CASE("page timings: TTFB, FCP, LCP, CLS and load from the page's own Performance APIs, exported as gauges") {
    Site site;
    // A paint at once, a larger block of text for LCP, and a banner pushed in above the
    // content 200 ms after the first paint: a layout shift the user did not cause. (Timed
    // from the page's load instead, a busy machine painted after the banner was in, and a
    // change before the first paint is no shift.)
    site.server.dir().file("vitals.html", R"HTML(<!doctype html><title>vitals</title>
<body style="margin:0"><p>first paint</p>
<p id="hero" style="font-size:40px;width:600px">A block of text large enough to be the largest contentful paint of this page</p>
<p>text below</p>
<script>new PerformanceObserver((list, observer) => { observer.disconnect(); setTimeout(() => {
const b = document.createElement('div'); b.id = 'banner'; b.style.height = '200px'; b.textContent = 'banner';
document.body.insertBefore(b, document.body.firstChild); }, 200); }).observe({ type: 'paint', buffered: true });</script></body>)HTML");
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto run = run_with_metrics(dir, R"T(
[jobs.vitals]
kind = "browser"
url = ")T" + site.url("vitals.html") + R"T("
timeout = "30s"
steps = [{ wait_for = "#banner" }, { sleep = "300ms" }]
capture = { ttfb = "timing:ttfb", fcp = "timing:fcp", lcp = "timing:lcp", cls = "timing:cls", load = "timing:load" }
export = { page_lcp_seconds = "lcp", page_cls = "cls" }
)T");
    const auto& report = run.report;
    INFO(report.dump(2), run.out.err);
    const auto& c = job(report, "vitals")["captures"];
    REQUIRE(job(report, "vitals")["status"] == "passed");
    for (const char* name : {"ttfb", "fcp", "lcp", "load"}) {
        INFO(name);
        REQUIRE(c[name].is_number());
        CHECK(c[name].get<double>() > 0);
        CHECK(c[name].get<double>() < 10);  // seconds, not milliseconds
    }
    CHECK(c["ttfb"].get<double>() <= c["fcp"].get<double>());
    CHECK(c["fcp"].get<double>() <= c["lcp"].get<double>());
    CHECK(c["ttfb"].get<double>() <= c["load"].get<double>());
    // The banner moved the three paragraphs down by 200 px in a 720 px viewport.
    CHECK(c["cls"].get<double>() > 0.05);
    CHECK(c["cls"].get<double>() < 1);
    const auto& metrics = run.metrics;
    CHECK(metric_value(metrics, "page_cls{job=\"vitals\"}") == doctest::Approx(c["cls"].get<double>()));
    CHECK(metric_value(metrics, "page_lcp_seconds{job=\"vitals\"}") == doctest::Approx(c["lcp"].get<double>()));
    CHECK(scratch.browsers() == 0);

    // A timing that does not exist is a load-time error naming the five that do.
    const auto file = dir.file("bad.toml", "[jobs.p]\nkind = \"browser\"\nurl = \"http://127.0.0.1:1/\"\n"
                                           "capture = { x = \"timing:tti\" }\n");
    const auto bad = run_gaia({"validate", file});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("bad.toml:4:17: error: `capture.x`: a page timing is timing:ttfb, timing:fcp, timing:lcp, timing:cls or timing:load, not \"timing:tti\"") != std::string::npos);
}

TEST_CASE("screenshots (viewport, full page, one element) and a PDF are written whole, with the right pixels") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    auto report = run_report(dir, R"T(
[jobs.shots]
kind = "browser"
url = ")T" + site.url("app.html") + R"T("
steps = [
  { screenshot = "{{ vars.out }}/view.png" },
  { screenshot = "{{ vars.out }}/full.png", full_page = true },
  { screenshot = "{{ vars.out }}/box.png", selector = "#app" },
  { pdf = "{{ vars.out }}/page.pdf" },
]
[jobs.small]
kind = "browser"
url = ")T" + site.url("app.html") + R"T("
viewport = { width = 400, height = 300 }
steps = [{ screenshot = "{{ vars.out }}/small.png" }]
[vars]
out = ")T" + dir.path().string() + R"T("
)T");
    INFO(report.dump(2));
    REQUIRE(job(report, "shots")["status"] == "passed");
    REQUIRE(job(report, "small")["status"] == "passed");
    auto view = decode_png(read_file(dir.path() / "view.png"));
    CHECK(view.width == 1280);
    CHECK(view.height == 720);
    CHECK(view.rgb(85, 42) == std::array<std::uint8_t, 3>{0, 255, 0});     // inside #app, below its text
    CHECK(view.rgb(600, 400) == std::array<std::uint8_t, 3>{255, 0, 0});  // the page's background
    auto full = decode_png(read_file(dir.path() / "full.png"));
    CHECK(full.width == 1280);
    CHECK(full.height > 3000);  // the whole tall page, not the viewport
    // Right of the text: the "late one" line may or may not be at the bottom yet.
    CHECK(full.rgb(600, full.height - 5) == std::array<std::uint8_t, 3>{255, 0, 0});
    auto box = decode_png(read_file(dir.path() / "box.png"));
    CHECK(box.width == 100);
    CHECK(box.height == 50);
    CHECK(box.rgb(85, 42) == std::array<std::uint8_t, 3>{0, 255, 0});
    auto small = decode_png(read_file(dir.path() / "small.png"));
    CHECK(small.width == 400);
    CHECK(small.height == 300);
    CHECK(read_file(dir.path() / "page.pdf").rfind("%PDF-", 0) == 0);
    // Written beside the target and renamed: no temporary file is left.
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        CHECK(e.path().filename().string().find(".gaia-") == std::string::npos);
    }
}

TEST_CASE("each instance gets its own context: no cookie or storage leaks to the next page") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    auto report = run_report(dir, R"T(
[browser]
tabs_per_instance = 1
[jobs.write]
kind = "browser"
url = ")T" + site.url("storage.html") + R"T("
steps = [{ eval = "document.cookie = 'k=v; max-age=3600'; localStorage.setItem('k', 'v'); document.cookie + '|' + localStorage.getItem('k')", as = "seen" }]
[jobs.read]
kind = "browser"
needs = ["write"]
repeat = 2
url = ")T" + site.url("storage.html") + R"T("
steps = [{ eval = "document.cookie + '|' + localStorage.getItem('k')", as = "seen" }]
)T");
    INFO(report.dump(2));
    CHECK(job(report, "write")["captures"]["seen"] == "k=v|v");
    CHECK(job(report, "read")["captures"]["seen"] == json{"|null", "|null"});
    CHECK(report["subsystems"]["browser"]["launches"] == 1);  // one browser, fresh contexts
}

TEST_CASE("browser failures are clear and stay with their instance") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    RefusingPort refusing;
    Output out;
    auto report = run_report(dir, R"T(
[jobs.fine]
kind = "browser"
url = ")T" + site.url("app.html") + R"T("
expect = { title_contains = "gaia" }
[jobs.missing]
kind = "browser"
url = ")T" + site.url("app.html") + R"T("
steps = [{ wait_for = "#never", timeout = "300ms" }]
[jobs.bad_selector]
kind = "browser"
url = ")T" + site.url("app.html") + R"T("
steps = [{ click = "##nope" }]
[jobs.not_found]
kind = "browser"
url = ")T" + site.url("nothing.html") + R"T("
expect = { status = 200 }
[jobs.refused]
kind = "browser"
url = ")T" + refusing.url() + R"T("
[jobs.noisy]
kind = "browser"
url = ")T" + site.url("error.html") + R"T("
expect = { no_console_errors = true }
[jobs.thrown]
kind = "browser"
url = ")T" + site.url("app.html") + R"T("
steps = [{ eval = "null.x" }]
[jobs.title]
kind = "browser"
url = ")T" + site.url("app.html") + R"T("
expect = { title_contains = "other" }
[jobs.slow]
kind = "browser"
url = ")T" + site.url("app.html") + R"T("
timeout = "500ms"
steps = [{ sleep = "5s" }]
)T",
                             &out);
    INFO(report.dump(2));
    CHECK(out.exit_code == 1);
    CHECK(job(report, "fine")["status"] == "passed");
    auto error = [&](const char* name) { return job(report, name)["first_error"].get<std::string>(); };
    CHECK(error("missing").find("step 1 (wait_for \"#never\"): no visible element matches `#never` after 300 ms") !=
          std::string::npos);
    CHECK(error("bad_selector").find("step 1 (click \"##nope\"): SyntaxError") != std::string::npos);
    CHECK(error("bad_selector").find("is not a valid selector") != std::string::npos);
    CHECK(error("not_found").find("expect.status: the main document answered 404, expected 200") != std::string::npos);
    CHECK(error("refused").find("net::ERR_CONNECTION_REFUSED") != std::string::npos);
    CHECK(error("noisy").find("expect.no_console_errors: 1 error(s) on the console, the first: console.error: boom from the page") !=
          std::string::npos);
    CHECK(error("thrown").find("step 1 (eval \"null.x\"): TypeError: Cannot read properties of null") != std::string::npos);
    CHECK(error("title").find("expect.title_contains: the title \"gaia test page\" does not contain \"other\"") !=
          std::string::npos);
    CHECK(error("slow").find("timed out after 500ms") != std::string::npos);
    // The pool's figures count every page: one passed, and eight failed — the one that ran
    // out of time among them, not left out as if the run had stopped it.
    CHECK(report["subsystems"]["browser"]["pages"] == json{{"passed", 1}, {"failed", 8}});
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("a project extension is loaded into every page and a step sees what it changed") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    auto report = run_report(dir, R"T(
[browser]
extensions = [")T" + test_data("jobs/browser/extension") + R"T("]
[jobs.extended]
kind = "browser"
repeat = 2
url = ")T" + site.url("app.html") + R"T("
steps = [{ wait_for = "#gaia-extension-mark", timeout = "5s" }, { extract = "#gaia-extension-mark", as = "mark" }]
capture = { title = "title" }
)T");
    INFO(report.dump(2));
    const auto& extended = job(report, "extended");
    CHECK(extended["status"] == "passed");
    CHECK(extended["captures"]["mark"][0] == "added by the gaia test extension");
    CHECK(extended["captures"]["title"][1] == "gaia test page [extended]");
}

TEST_CASE("a page whose renderer crashes fails after its crash retries, and its neighbours pass") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    auto run = run_with_metrics(dir, R"T(
[browser]
tabs_per_instance = 4
[jobs.crashy]
kind = "browser"
url = "chrome://crash"
[jobs.fine]
kind = "browser"
repeat = 3
url = ")T" + site.url("app.html") + R"T("
steps = [{ wait_for = "#late" }]
)T");
    INFO(run.out.err);
    CHECK(run.out.exit_code == 1);
    const auto& crashy = job(run.report, "crashy");
    CHECK(crashy["status"] == "failed");
    CHECK(crashy["first_error"].get<std::string>().find("the page crashed (its renderer process died)") != std::string::npos);
    CHECK(crashy["attempts"] == 3);  // the first, then two crash retries (retries = 0)
    CHECK(job(run.report, "fine")["status"] == "passed");
    CHECK(metric_value(run.metrics, "gaia_browser_crashes_total") == 3);
    CHECK(metric_value(run.metrics, "gaia_browser_pages_total{status=\"passed\"}") == 3);
    CHECK(scratch.browsers() == 0);
}

// A loopback port that only counts who connects: pages knock on it to say "I am here".
class Knocks {
public:
    Knocks() {
        fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd_, 64) == 0);
        socklen_t len = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~Knocks() {
        for (int fd : accepted_) ::close(fd);
        ::close(fd_);
    }
    int port() const { return port_; }
    // Waits up to `seconds` for n connections in all; true when they came.
    bool wait(int n, int seconds) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
        while (static_cast<int>(accepted_.size()) < n && std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) == 1) accepted_.push_back(::accept(fd_, nullptr, nullptr));
        }
        return static_cast<int>(accepted_.size()) >= n;
    }

private:
    int fd_ = -1;
    int port_ = 0;
    std::vector<int> accepted_;
};

TEST_CASE("a browser killed mid-run is replaced and its pages are retried there") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    Knocks knocks;
    // Each page knocks once it is open and has loaded, then sleeps: the kill comes when
    // four pages are surely in their steps, however slow the machine.
    const auto file = dir.file("jobs.toml", R"T(
[browser]
tabs_per_instance = 4
[jobs.slow]
kind = "browser"
repeat = 8
url = ")T" + site.url("app.html") + R"T("
steps = [
  { eval = "fetch('http://127.0.0.1:)T" + std::to_string(knocks.port()) + R"T(/').catch(() => 0); 1" },
  { sleep = "3s" },
  { wait_for = "#late" },
]
)T");
    const auto at = [&](const char* name) { return (dir.path() / name).string(); };
    BackgroundGaia gaia({"run", file, "--report-json", at("report.json"), "--metrics-file", at("metrics.prom")}, dir.path());
    REQUIRE_MESSAGE(knocks.wait(4, 60), gaia.err());
    // The browser itself: the oldest process with the marker (its children share it).
    auto out = run_program({"pkill", "-KILL", "-o", "-f", scratch.tmp().string()});
    REQUIRE(out.exit_code == 0);
    const int exit_code = gaia.wait(90);
    INFO(gaia.err());
    REQUIRE(exit_code == 0);
    auto report = json::parse(read_file(dir.path() / "report.json"));
    const auto& slow = job(report, "slow");
    CHECK(slow["status"] == "passed");
    CHECK(slow["attempts"].get<int>() >= 12);  // the four lost pages ran again
    CHECK(report["subsystems"]["browser"]["launches"] == 2);
    CHECK(report["subsystems"]["browser"]["crashes"] == 1);
    CHECK(gaia.err().find("the browser crashed (the browser was killed by signal KILL)") != std::string::npos);
    CHECK(metric_value(read_file(dir.path() / "metrics.prom"), "gaia_browser_crashes_total") == 1);
    CHECK(scratch.browsers() == 0);
    CHECK(scratch.clean());
}

TEST_CASE("the pool: pages queue for tabs, browsers are shared, recycled after N pages, closed at the end") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    auto run = run_with_metrics(dir, R"T(
[browser]
instances = 2
tabs_per_instance = 2
recycle_after = 3
[jobs.many]
kind = "browser"
repeat = 9
url = ")T" + site.url("app.html") + R"T("
steps = [{ sleep = "300ms" }]
)T");
    INFO(run.out.err);
    CHECK(run.out.exit_code == 0);
    const auto& browser = run.report["subsystems"]["browser"];
    // 9 pages, 3 per browser: three launches at least, and never more than 2 at once.
    CHECK(browser["launches"].get<int>() >= 3);
    // 4 tabs at once for 9 pages of 300 ms: at least three rounds.
    CHECK(job(run.report, "many")["duration_s"].get<double>() >= 0.9);
    CHECK(metric_value(run.metrics, "gaia_browser_pages_total{status=\"passed\"}") == 9);
    CHECK(metric_value(run.metrics, "gaia_browser_instances") == 0);  // all closed at the end
    CHECK(metric_value(run.metrics, "gaia_browser_tabs_active") == 0);
    CHECK(metric_value(run.metrics, "gaia_browser_queue_depth") == 0);
    CHECK(run.metrics.find("gaia_browser_page_duration_seconds_bucket") != std::string::npos);
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("no Chromium: browser jobs fail with what was tried, other jobs run") {
    TempDir dir;
    // GAIA_CHROMIUM names a program that is not there.
    auto run = run_with_metrics(dir, R"T(
[jobs.page]
kind = "browser"
url = "http://127.0.0.1:1/"
[jobs.other]
kind = "process"
command = ["true"]
)T",
                                {}, {"GAIA_CHROMIUM=/nonexistent/chromium"});
    INFO(run.out.err);
    CHECK(run.out.exit_code == 1);
    CHECK(job(run.report, "page")["first_error"].get<std::string>().find("GAIA_CHROMIUM=/nonexistent/chromium") !=
          std::string::npos);
    CHECK(job(run.report, "other")["status"] == "passed");
}

TEST_CASE("an interrupted browser run closes its browsers, writes its report and exits 130") {
    Site site;
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto file = dir.file("jobs.toml", R"T(
[jobs.long]
kind = "browser"
repeat = 4
url = ")T" + site.url("app.html") + R"T("
steps = [{ sleep = "30s" }]
)T");
    BackgroundGaia gaia({"run", file, "--report-json", (dir.path() / "report.json").string()}, dir.path());
    REQUIRE_MESSAGE(wait_for_processes(scratch.tmp().string(), 1) >= 1, gaia.err());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    gaia.signal(SIGINT);
    CHECK(gaia.wait(20) == 130);
    auto report = json::parse(read_file(dir.path() / "report.json"));
    CHECK(job(report, "long")["status"] == "cancelled");
    CHECK(scratch.browsers() == 0);
    CHECK(scratch.clean());
}

TEST_CASE("[network].bandwidth throttles browser traffic, split over the pool's tabs") {
    Site site;  // serves big.bin, 3 MiB
    TempDir dir;
    BrowserScratch scratch(dir);
    const std::string jobs = R"T(
[browser]
instances = 1
tabs_per_instance = 2
[jobs.fetch]
kind = "browser"
url = ")T" + site.url("storage.html") + R"T("
steps = [{ eval = "fetch('/big.bin').then(r => r.arrayBuffer()).then(b => b.byteLength)", as = "size" }]
)T";
    auto fast = run_report(dir, jobs);
    auto slow = run_report(dir, jobs + "[network]\nbandwidth = \"2MiB/s\"\n");
    INFO(slow.dump(2));
    REQUIRE(job(fast, "fetch")["status"] == "passed");
    REQUIRE(job(slow, "fetch")["status"] == "passed");
    CHECK(job(slow, "fetch")["captures"]["size"] == 3 * 1024 * 1024);
    // 2 MiB/s over 2 tabs: 1 MiB/s for this page, so 3 MiB take about 3 s.
    const double throttled = job(slow, "fetch")["duration_s"].get<double>();
    const double free = job(fast, "fetch")["duration_s"].get<double>();  // both include a launch
    CHECK(throttled > 2.5);
    CHECK(throttled - free > 1.5);
}

TEST_CASE("a browser that never answers fails its pages after launch_timeout, and is killed") {
    TempDir dir;
    BrowserScratch scratch(dir);
    // Starts like a browser and then says nothing on the pipe.
    const auto mute = dir.file("mute-browser", "#!/bin/sh\nexec sleep 60\n");
    std::filesystem::permissions(mute, std::filesystem::perms::owner_all);
    Output out;
    auto report = run_report(dir, R"T(
[browser]
executable = ")T" + mute + R"T("
launch_timeout = "500ms"
[jobs.page]
kind = "browser"
url = "http://127.0.0.1:1/"
)T",
                             &out);
    INFO(out.err);
    CHECK(out.exit_code == 1);
    const auto error = job(report, "page")["first_error"].get<std::string>();
    CHECK(error.find("cannot launch " + mute + ": the browser did not answer within 500 ms") != std::string::npos);
    CHECK(count_processes(mute) == 0);
    CHECK(scratch.clean());
}
