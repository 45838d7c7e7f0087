// HAR recording: `har` writes each attempt's traffic as a HAR 1.2 file, read here by
// har-validator (a HAR reader gaia's authors did not write) and checked entry by entry
// against what the pages really did — on python's http.server and httpbin, on loopback.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/deploy_tools.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/httpbin_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/skip.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include "core/report/run_report.hpp"
#include "core/text/base64.hpp"

#include <cmath>
#include <fstream>

using namespace gaia::test;
using nlohmann::json;

namespace {

constexpr const char* kPixelPng =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

// An image, a request the server has no answer for, a POST to httpbin, a blocked script.
std::string page(const HttpbinServer& httpbin) {
    return R"HTML(<!doctype html><title>har page</title>
<img src="pixel.png?size=1&amp;v=2">
<script src="blocked.js"></script>
<script>
window.done = Promise.all([
  fetch('missing.json').then((r) => r.status),
  fetch(')HTML" + httpbin.url("/post") + R"HTML(', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                 body: JSON.stringify({ hello: 'har' }) }).then((r) => r.status),
]);
</script>)HTML";
}

// The entries of a HAR whose URL contains `part`.
std::vector<json> entries(const json& har, const std::string& part) {
    std::vector<json> out;
    for (const auto& e : har["log"]["entries"]) {
        if (e["request"]["url"].get<std::string>().find(part) != std::string::npos) out.push_back(e);
    }
    return out;
}

std::string header(const json& list, const std::string& name) {
    for (const auto& h : list) {
        if (h["name"] == name) return h["value"];
    }
    return "(none)";
}

}  // namespace

TEST_CASE("har records every request of each page as HAR 1.2 that a third-party validator accepts") {
    if (const auto why = deploy_tools_unavailable(); !why.empty()) {
        report_skipped(why);
        return;
    }
    HttpbinServer httpbin;
    FileServer server;
    server.dir().file("pixel.png", *gaia::text::decode_base64(kPixelPng));
    server.dir().file("har.html", page(httpbin));
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto out = dir.path() / "out";  // made by gaia
    auto r = run_with_metrics(dir, R"T(
[jobs.traffic]
kind = "browser"
repeat = 2
url = ")T" + server.url("/har.html") + R"T("
timeout = "30s"
block = ["*/blocked.js"]
headers = { Authorization = "Bearer {{ env.GAIA_TEST_TOKEN }}" }
har = ")T" + out.string() + R"T(/{{ index }}.har"
steps = [
  { eval = "window.done", as = "statuses" },
  { goto = ")T" + httpbin.url("/cookies/set?flavour=oat") + R"T(" },
]

[jobs.failing]
kind = "browser"
url = ")T" + server.url("/har.html") + R"T("
timeout = "30s"
har = ")T" + out.string() + R"T(/failing.har"
expect = { title_contains = "another title" }
)T",
                              {}, {"GAIA_TEST_TOKEN=t0ken-of-the-test"});
    INFO(r.out.err);
    const auto& traffic = job(r.report, "traffic");
    REQUIRE(traffic["status"] == "passed");
    CHECK(traffic["captures"]["statuses"][0] == json::array({404, 200}));

    const auto files = std::vector<std::string>{(out / "0.har").string(), (out / "1.har").string(), (out / "failing.har").string()};
    std::vector<std::string> argv = {"node", deploy_tool("validate_har.mjs")};
    argv.insert(argv.end(), files.begin(), files.end());
    const auto validated = run_program(argv);
    INFO(validated.out, validated.err);
    CHECK(validated.exit_code == 0);
    CHECK(validated.out == files[0] + ": valid\n" + files[1] + ": valid\n" + files[2] + ": valid\n");

    // The validator does refuse what is not HAR: a status that is not a number.
    auto spoiled = json::parse(read_file(files[0]));
    spoiled["log"]["entries"][0]["response"]["status"] = "200";
    const auto bad = dir.file("spoiled.har", spoiled.dump());
    const auto refused = run_program({"node", deploy_tool("validate_har.mjs"), bad});
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.find(bad + ": .log.entries[0].response.status should be integer") != std::string::npos);

    const auto text = read_file(files[0]);
    CHECK(text.find("t0ken-of-the-test") == std::string::npos);  // the secret is masked
    const auto har = json::parse(text);
    const auto& log = har["log"];
    INFO(log.dump(1).substr(0, 20000));
    CHECK(log["version"] == "1.2");
    CHECK(log["creator"]["name"] == "gaia");
    // Two documents: the page, then the cookie page that a redirect led to.
    REQUIRE(log["pages"].size() == 2);
    CHECK(log["pages"][0]["title"] == server.url("/har.html"));
    CHECK(log["pages"][1]["title"] == httpbin.url("/cookies/set?flavour=oat"));
    CHECK(log["pages"][0]["pageTimings"]["onLoad"].get<double>() > 0);
    CHECK(log["pages"][0]["pageTimings"]["onContentLoad"].get<double>() > 0);
    CHECK(log["pages"][0]["pageTimings"]["onContentLoad"].get<double>() <= log["pages"][0]["pageTimings"]["onLoad"].get<double>());

    const auto document = entries(har, "/har.html");
    REQUIRE(document.size() == 1);
    CHECK(document[0]["pageref"] == "page_1");
    CHECK(document[0]["_resourceType"] == "document");
    CHECK(document[0]["response"]["status"] == 200);
    CHECK(document[0]["response"]["content"]["mimeType"] == "text/html");
    CHECK(document[0]["response"]["content"]["size"] == page(httpbin).size());
    CHECK(header(document[0]["request"]["headers"], "Authorization") == "Bearer ***");
    CHECK(document[0]["serverIPAddress"] == "127.0.0.1");

    const auto pixel = entries(har, "/pixel.png");
    REQUIRE(pixel.size() == 1);
    CHECK(pixel[0]["_resourceType"] == "image");
    CHECK(pixel[0]["response"]["content"]["size"] == gaia::text::decode_base64(kPixelPng)->size());
    CHECK(pixel[0]["request"]["queryString"] == json::array({{{"name", "size"}, {"value", "1"}}, {{"name", "v"}, {"value", "2"}}}));

    const auto missing = entries(har, "/missing.json");
    REQUIRE(missing.size() == 1);
    CHECK(missing[0]["response"]["status"] == 404);
    CHECK(missing[0]["_resourceType"] == "fetch");

    json post;
    for (const auto& e : entries(har, "/post")) {  // and its CORS preflight, an OPTIONS
        if (e["request"]["method"] == "POST") post = e;
    }
    REQUIRE(post.is_object());
    CHECK(post["request"]["postData"] == json{{"mimeType", "application/json"}, {"text", R"({"hello":"har"})"}});
    CHECK(post["request"]["bodySize"] == 15);
    CHECK(post["response"]["status"] == 200);

    // Blocked in the browser: never answered, as Chrome's own HAR says it.
    const auto blocked = entries(har, "/blocked.js");
    REQUIRE(blocked.size() == 1);
    CHECK(blocked[0]["response"]["status"] == 0);
    CHECK(blocked[0]["response"]["_error"].get<std::string>().find("net::ERR_BLOCKED_BY_CLIENT") != std::string::npos);

    // The redirect is an entry of its own, with the cookie it set; the next request sends it.
    const auto set = entries(har, "/cookies/set");
    REQUIRE(set.size() == 1);
    CHECK(set[0]["pageref"] == "page_2");
    CHECK(set[0]["response"]["status"] == 302);
    CHECK(set[0]["response"]["redirectURL"] == httpbin.url("/cookies"));
    CHECK(set[0]["response"]["cookies"][0]["name"] == "flavour");
    CHECK(set[0]["response"]["cookies"][0]["value"] == "oat");
    const auto followed = entries(har, httpbin.url("/cookies"));
    REQUIRE(followed.size() == 2);  // the redirect and where it led
    CHECK(followed[1]["request"]["cookies"] == json::array({{{"name", "flavour"}, {"value", "oat"}}}));
    CHECK(followed[1]["pageref"] == "page_2");

    // Every entry's time is the sum of its phases (ssl inside connect), each -1 or more,
    // and entries start in order, at a time of this run.
    const auto started = gaia::report::parse_iso8601_utc(log["pages"][0]["startedDateTime"].get<std::string>().substr(0, 19) + "Z");
    REQUIRE(started);
    CHECK(std::abs(std::chrono::duration<double>(std::chrono::system_clock::now() - *started).count()) < 300);
    std::string previous;
    for (const auto& e : log["entries"]) {
        double sum = 0;
        for (const char* phase : {"blocked", "dns", "connect", "send", "wait", "receive"}) {
            const double v = e["timings"][phase];
            CHECK(v >= -1);
            sum += std::max(0.0, v);
        }
        CHECK(e["time"].get<double>() == doctest::Approx(sum).epsilon(0.001));
        CHECK(e["startedDateTime"].get<std::string>() >= previous);
        previous = e["startedDateTime"];
    }
    // The document's phases were measured by the network, not guessed.
    CHECK(document[0]["timings"]["wait"].get<double>() > 0);
    CHECK(document[0]["timings"]["send"].get<double>() >= 0);

    // A failed attempt has its HAR too: when it is wanted most. The job's details name it.
    CHECK(job(r.report, "failing")["status"] == "failed");
    CHECK(job(r.report, "failing")["details"]["har"] == files[2]);
    CHECK(entries(json::parse(read_file(files[2])), "/har.html").size() == 1);
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("a HAR that cannot be written fails a page that passed, saying why") {
    TempDir dir;
    BrowserScratch scratch(dir);
    auto r = run_with_metrics(dir, R"T(
[jobs.nowhere]
kind = "browser"
url = "data:text/html,<title>x</title>"
har = "/proc/gaia-no-such-dir/x.har"
)T");
    INFO(r.out.err);
    CHECK(job(r.report, "nowhere")["status"] == "failed");
    CHECK(job(r.report, "nowhere")["first_error"].get<std::string>().rfind("har: cannot create /proc/gaia-no-such-dir", 0) == 0);
}
