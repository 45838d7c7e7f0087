// in_frame: steps that act inside an <iframe> — a same-origin one, and a cross-origin one
// that Chromium runs in a process of its own (site isolation) and gaia reaches through its
// own CDP session — in real headless Chromium, on pages served from loopback. The
// cross-origin frame is the same server under another host name (localhost against
// 127.0.0.1): another site to Chromium.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

using namespace gaia::test;
using nlohmann::json;

namespace {

// A payment form, as a payment provider's iframe has it: a field, a select, a checkbox
// and a button whose click shows what was entered.
constexpr const char* kFormFrame = R"HTML(<!doctype html><title>card form</title>
<input id="card"> <select id="month"><option value="01">January</option><option value="02">February</option></select>
<label><input type="checkbox" id="save"> save</label>
<button id="pay">Pay</button><p id="result">not paid</p>
<script>
window.frameGlobal = 'set by the frame';
document.getElementById('pay').addEventListener('click', () => {
  document.getElementById('result').textContent = 'paid with ' + document.getElementById('card').value +
    ' in ' + document.getElementById('month').value + (document.getElementById('save').checked ? ', saved' : '');
});
</script>)HTML";

// The page: the form twice, from its own origin and from another site, below some
// content so that the frames are not at the page's corner.
std::string outer_page(const std::string& cross_url) {
    return R"HTML(<!doctype html><title>checkout</title><style>iframe { display: block; margin: 40px 0 0 60px; width: 500px; height: 160px; border: 7px solid #888; padding: 5px }</style>
<h1>Checkout</h1><p id="p">Pay below.</p>
<iframe id="same" src="form.html"></iframe>
<iframe id="cross" src=")HTML" + cross_url + R"HTML("></iframe>)HTML";
}

std::string cross_origin(const FileServer& server, const std::string& path) {
    auto url = server.url(path);
    url.replace(url.find("127.0.0.1"), 9, "localhost");
    return url;
}

}  // namespace

TEST_CASE("in_frame types, chooses, checks and clicks in a same-origin and a cross-origin iframe") {
    FileServer server;
    server.dir().file("form.html", kFormFrame);
    server.dir().file("checkout.html", outer_page(cross_origin(server, "/form.html")));
    TempDir dir;
    BrowserScratch scratch(dir);
    auto r = run_with_metrics(dir, R"T(
[jobs.frames]
kind = "browser"
url = ")T" + server.url("/checkout.html") + R"T("
timeout = "30s"
steps = [
  { in_frame = "#cross", steps = [
    { type = "4242", into = "#card" },
    { select = "#month", option = "February" },
    { check = "#save" },
    { click = "#pay" },
    { expect_text = "#result", text = "paid" },
    { extract = "#result", as = "cross" },
    { eval = "[location.host, window.frameGlobal]", as = "cross_world" },
  ] },
  { in_frame = "iframe#same", steps = [
    { type = "1111", into = "#card" },
    { click = "#pay" },
    { extract = "#result", as = "same" },
    { eval = "location.pathname", as = "same_path" },
  ] },
  { eval = "location.pathname", as = "page_path" },
  { extract = "#p", as = "page_text" },
]
)T");
    INFO(r.out.err);
    const auto& frames = job(r.report, "frames");
    REQUIRE(frames["status"] == "passed");
    const auto& c = frames["captures"];
    CHECK(c["cross"] == "paid with 4242 in 02, saved");
    // A cross-origin frame's steps run in its own main world, its scripts' globals there.
    auto host = cross_origin(server, "/").substr(std::string("http://").size());  // localhost:PORT/
    host.pop_back();
    CHECK(c["cross_world"] == json::array({host, "set by the frame"}));
    CHECK(c["same"] == "paid with 1111 in 01");
    CHECK(c["same_path"] == "/form.html");
    // After an in_frame the steps are the page's again.
    CHECK(c["page_path"] == "/checkout.html");
    CHECK(c["page_text"] == "Pay below.");
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("in_frame fails with the frame's step and why, and its mistakes in a job file have their place") {
    FileServer server;
    server.dir().file("form.html", kFormFrame);
    server.dir().file("checkout.html", outer_page(cross_origin(server, "/form.html")));
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto url = server.url("/checkout.html");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"not_frame", R"({ in_frame = "#p", steps = [{ click = "#pay" }] })"},
        {"no_frame", R"({ in_frame = "#nothing", timeout = "200ms", steps = [{ click = "#pay" }] })"},
        {"inner", R"({ in_frame = "#cross", steps = [{ click = "#pay" }, { click = "#nothing", timeout = "200ms" }] })"},
    };
    auto r = run_with_metrics(dir, browser_case_jobs(url, cases));
    INFO(r.out.err);
    const auto error = [&](const char* name) { return job(r.report, name)["first_error"].get<std::string>(); };
    CHECK(error("not_frame") == R"(step 1 (in_frame "#p"): `#p` is a <p>, not an <iframe>)");
    CHECK(error("no_frame") == R"(step 1 (in_frame "#nothing"): no visible element matches `#nothing` after 200 ms)");
    CHECK(error("inner") ==
          R"(step 1 (in_frame "#cross"), step 2 (click "#nothing"): no visible element matches `#nothing` after 200 ms)");
    CHECK(scratch.browsers() == 0);

    const auto file = dir.file("bad.toml", R"([jobs.a]
kind = "browser"
url = "about:blank"
steps = [
  { in_frame = "#f", steps = [{ goto = "http://127.0.0.1/" }] },
  { in_frame = "#f" },
  { in_frame = "#f", steps = [{ in_frame = "#g", steps = [{ click = "#x" }] }] },
]
)");
    const auto out = run_gaia({"validate", file});
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(file + ":5:31: error: steps[1].steps[1]: `goto` does not run in a frame (in_frame's steps are wait_for, "
                              "click, type, press, eval, extract, sleep, hover, select, check, uncheck, scroll, "
                              "expect_text, upload and wait_for_response)") != std::string::npos);
    CHECK(out.err.find(file + ":6:3: error: steps[2]: `in_frame` needs `steps`, a non-empty array of the steps to run in the "
                              "frame") != std::string::npos);
    CHECK(out.err.find(file + ":7:31: error: steps[3].steps[1]: `in_frame` does not run in a frame") != std::string::npos);
}
