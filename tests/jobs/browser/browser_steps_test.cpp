// The steps beyond goto, click and type — hover, select, check, uncheck, scroll,
// expect_text, wait_for_url, dialog — in real headless Chromium, on pages this test writes
// and serves from loopback; and each one's failure, which names the step and says why.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

using namespace gaia::test;
using nlohmann::json;

namespace {

// Every control a step acts on, and a log of the events the page saw. Hovering shows a
// menu over what is below the button: below it there is only space, as a menu that
// covered a checkbox would take the next step's click (in gaia as in a browser).
constexpr const char* kStepsPage = R"HTML(<!doctype html><title>steps</title>
<style>#menu { display: none; position: absolute } #hover:hover + #menu { display: block } .spacer { height: 3000px }</style>
<select id="size"><option value="s">Small</option><option value="m">Medium</option><option value="l" disabled>Large</option></select>
<label><input type="checkbox" id="agree"> agree</label>
<label><input type="checkbox" id="news" checked> news</label>
<input type="radio" name="r" id="r1" checked><input type="radio" name="r" id="r2">
<p id="status">waiting</p>
<button id="hover">hover me</button><div id="menu">menu open</div>
<div class="spacer"></div>
<p id="footer">the end</p>
<script>
window.events = [];
const on = (id, type, what) => document.getElementById(id).addEventListener(type, (e) => events.push(what(e.target)));
on('hover', 'mouseenter', () => 'hover');
on('size', 'input', (t) => 'input:' + t.value);
on('size', 'change', (t) => 'change:' + t.value);
on('agree', 'change', (t) => 'agree:' + t.checked);
on('news', 'change', (t) => 'news:' + t.checked);
on('r2', 'change', (t) => 'r2:' + t.checked);
setTimeout(() => { document.getElementById('status').textContent = 'ready after a while'; }, 400);
</script>)HTML";

}  // namespace

TEST_CASE("hover, select, check, uncheck, scroll, expect_text, wait_for_url and dialog act on a page as a user would") {
    FileServer server;
    server.dir().file("steps.html", kStepsPage);
    server.dir().file("next.html", "<!doctype html><title>next</title><p id=next>arrived</p>");
    TempDir dir;
    BrowserScratch scratch(dir);
    auto r = run_with_metrics(dir, R"T(
[jobs.steps]
kind = "browser"
url = ")T" + server.url("/steps.html") + R"T("
timeout = "30s"
steps = [
  { hover = "#hover" },
  { eval = "getComputedStyle(document.getElementById('menu')).display", as = "menu" },
  { select = "#size", option = "Medium" },
  { check = "#agree" },
  { check = "#agree" },
  { uncheck = "#news" },
  { check = "#r2" },
  { eval = "[size.value, agree.checked, news.checked, r1.checked, r2.checked]", as = "state" },
  { expect_text = "#status", text = "ready" },
  { scroll = "#footer" },
  { eval = "scrollY > 1000", as = "scrolled" },
  { scroll = "top" },
  { eval = "scrollY", as = "top" },
  { eval = "alert('hello')" },
  { dialog = "accept", text = "Ada" },
  { eval = "[prompt('name?'), confirm('sure?')]", as = "accepted" },
  { dialog = "dismiss" },
  { eval = "[prompt('name?'), confirm('sure?')]", as = "dismissed" },
  { eval = "events", as = "events" },
  { eval = "setTimeout(() => history.pushState({}, '', '#done'), 300)" },
  { wait_for_url = "*/steps.html#done" },
  { eval = "setTimeout(() => { location.href = 'next.html?x=1' }, 300)" },
  { wait_for_url = "*/next.html?x=1", timeout = "10s" },
  { wait_for = "#next" },
  { extract = "#next", as = "next" },
]
)T");
    INFO(r.out.err);
    const auto& steps = job(r.report, "steps");
    REQUIRE(steps["status"] == "passed");
    const auto& c = steps["captures"];
    CHECK(c["menu"] == "block");
    CHECK(c["state"] == json::array({"m", true, false, false, true}));
    CHECK(c["scrolled"] == true);
    CHECK(c["top"] == 0);
    // The dismissed alert did not stop the page; accepted dialogs answer, dismissed ones do not.
    CHECK(c["accepted"] == json::array({"Ada", true}));
    CHECK(c["dismissed"] == json::array({nullptr, false}));
    // The page's own handlers ran, once each: the second check of #agree clicked nothing.
    CHECK(c["events"] == json::array({"hover", "input:m", "change:m", "agree:true", "news:false", "r2:true"}));
    CHECK(c["next"] == "arrived");
    CHECK(steps["details"]["dialogs"] ==
          json::array({"alert: hello", "prompt: name?", "confirm: sure?", "prompt: name?", "confirm: sure?"}));
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("a step that cannot do what it says fails its job with the step and the reason") {
    FileServer server;
    server.dir().file("steps.html", kStepsPage);
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto url = server.url("/steps.html");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"no_option", R"({ select = "#size", option = "XL" })"},
        {"disabled", R"({ select = "#size", option = "Large" })"},
        {"not_select", R"({ select = "#agree", option = "s" })"},
        {"not_checkbox", R"({ check = "#status" })"},
        {"radio", R"({ uncheck = "#r1" })"},
        {"text", R"({ expect_text = "#footer", text = "never", timeout = "200ms" })"},
        {"no_text", R"({ expect_text = "#nothing", text = "x", timeout = "200ms" })"},
        {"url", R"({ wait_for_url = "*/elsewhere.html", timeout = "300ms" })"},
        {"hover", R"({ hover = "#menu", timeout = "200ms" })"},
        {"scroll", R"({ scroll = "#nothing", timeout = "200ms" })"},
    };
    auto r = run_with_metrics(dir, browser_case_jobs(url, cases));
    INFO(r.out.err);
    const auto error = [&](const char* name) { return job(r.report, name)["first_error"].get<std::string>(); };
    CHECK(error("no_option") == R"(step 1 (select "#size"): `#size` has no option "XL" (its options: "s", "m", "l"))");
    CHECK(error("disabled") == R"(step 1 (select "#size"): `#size` has the option "Large", but it is disabled)");
    CHECK(error("not_select") == R"(step 1 (select "#agree"): `#agree` is a <input>, not a <select>)");
    CHECK(error("not_checkbox") == R"(step 1 (check "#status"): `#status` is not a checkbox or a radio button)");
    CHECK(error("radio") == R"(step 1 (uncheck "#r1"): clicking `#r1` did not uncheck it)");
    CHECK(error("text") ==
          R"(step 1 (expect_text "#footer"): the text of `#footer` is "the end", which does not contain "never" after 200 ms)");
    CHECK(error("no_text") == R"(step 1 (expect_text "#nothing"): nothing matches `#nothing` after 200 ms)");
    CHECK(error("url") == R"(step 1 (wait_for_url "*/elsewhere.html"): the page is still at ")" + url + R"(" after 300ms)");
    // #menu shows only while the button is hovered: nothing visible to hover over.
    CHECK(error("hover") == R"(step 1 (hover "#menu"): no visible element matches `#menu` after 200 ms)");
    CHECK(error("scroll") == R"(step 1 (scroll "#nothing"): no visible element matches `#nothing` after 200 ms)");
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("the new steps' mistakes in a job file are errors with their place") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"([jobs.a]
kind = "browser"
url = "about:blank"
steps = [
  { select = "#size" },
  { expect_text = "#status" },
  { dialog = "maybe" },
  { dialog = "dismiss", text = "Ada" },
  { hovr = "#x" },
]
)");
    const auto out = run_gaia({"validate", file});
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(file + ":5:3: error: steps[1]: `select` needs `option`, the value or label of the option to choose") !=
          std::string::npos);
    CHECK(out.err.find(file + ":6:3: error: steps[2]: `expect_text` needs `text`, the text the element must contain") !=
          std::string::npos);
    CHECK(out.err.find(file + ":7:14: error: `dialog` is \"accept\" or \"dismiss\", not \"maybe\"") != std::string::npos);
    CHECK(out.err.find(file + ":8:32: error: steps[4]: `text` answers a prompt that is accepted; a dismissed one has no answer") !=
          std::string::npos);
    CHECK(out.err.find(file + ":9:3: error: steps[5] has no action (`hovr` (did you mean `hover`?)); one of goto, wait_for, "
                                          "wait_for_load, click, type, press, eval, extract, screenshot, pdf, sleep, hover, select, "
                                          "check, uncheck, scroll, expect_text, wait_for_url, dialog, upload, "
                                          "wait_for_response, download") != std::string::npos);
}

TEST_CASE("a page that asks before it is left is left when the job navigates, unless a dialog step dismisses") {
    FileServer server;
    server.dir().file("stay.html", "<!doctype html><title>stay</title><button id=b>b</button><script>"
                                   "addEventListener('beforeunload', (e) => { e.preventDefault(); e.returnValue = 'stay'; });"
                                   "</script>");
    server.dir().file("next.html", "<!doctype html><title>next</title>");
    TempDir dir;
    BrowserScratch scratch(dir);
    // The click gives the page the user activation a beforeunload dialog needs.
    auto r = run_with_metrics(dir, R"T(
[jobs.leave]
kind = "browser"
url = ")T" + server.url("/stay.html") + R"T("
timeout = "30s"
steps = [{ click = "#b" }, { eval = "setTimeout(() => { location.href = 'next.html' }, 100)" }, { wait_for_url = "*/next.html" }]

[jobs.stay]
kind = "browser"
url = ")T" + server.url("/stay.html") + R"T("
timeout = "30s"
steps = [
  { click = "#b" },
  { dialog = "dismiss" },
  { eval = "setTimeout(() => { location.href = 'next.html' }, 100)" },
  { sleep = "1s" },
  { eval = "location.pathname", as = "path" },
]
)T");
    INFO(r.out.err);
    const auto& leave = job(r.report, "leave");
    CHECK(leave["status"] == "passed");
    CHECK(leave["details"]["dialogs"] == json::array({"beforeunload: "}));
    const auto& stay = job(r.report, "stay");
    CHECK(stay["status"] == "passed");
    CHECK(stay["captures"]["path"] == "/stay.html");
    CHECK(stay["details"]["dialogs"] == json::array({"beforeunload: "}));
    CHECK(scratch.browsers() == 0);
}
