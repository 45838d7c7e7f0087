// The steps that move data in and out of a page — upload, wait_for_response, download — in
// real headless Chromium, on pages this test serves from loopback: the uploaded file reaches
// a real server (httpbin), the awaited response is the one the page's click caused, the
// downloaded file is the server's, whole, under the name the page gave it.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/file_helpers.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/httpbin_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <set>

using namespace gaia::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A hidden file input behind a label, as most upload forms have it; when a file is chosen
// the page sends the form to httpbin and shows what httpbin received. Buttons that fetch
// later, fetch what is not there, and download a server file and a file the page makes.
std::string transfer_page(const std::string& post_url) {
    return R"HTML(<!doctype html><title>transfer</title>
<form id="form"><label for="file">Choose a file</label><input type="file" id="file" name="report" style="display:none"></form>
<input type="text" id="name">
<pre id="sent">nothing sent</pre>
<button id="load">load</button><button id="missing">missing</button>
<a id="csv" href="report.csv" download="q3-report.csv">report</a>
<button id="made">notes</button>
<script>
document.getElementById('file').addEventListener('change', async () => {
  const r = await fetch(')HTML" + post_url + R"HTML(', { method: 'POST', body: new FormData(document.getElementById('form')) });
  document.getElementById('sent').textContent = JSON.stringify((await r.json()).files);
});
document.getElementById('load').addEventListener('click', () => setTimeout(() => fetch('data.json'), 300));
document.getElementById('missing').addEventListener('click', () => fetch('missing.json'));
document.getElementById('made').addEventListener('click', () => {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob(['made by the page\n'], { type: 'text/plain' }));
  a.download = 'notes.txt';
  a.click();
});
</script>)HTML";
}

}  // namespace

TEST_CASE("upload, wait_for_response and download move files and wait for traffic as a user's browser would") {
    HttpbinServer httpbin;
    FileServer server;
    server.dir().file("transfer.html", transfer_page(httpbin.url("/post")));
    const std::string csv = "quarter,revenue\nq3,1234\n" + std::string(200'000, 'x') + "\n";
    server.dir().file("report.csv", csv);
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto upload = dir.file("upload.txt", "the uploaded text\n");
    const auto downloads = dir.path() / "downloads";
    auto r = run_with_metrics(dir, R"T(
[jobs.transfer]
kind = "browser"
url = ")T" + server.url("/transfer.html") + R"T("
timeout = "30s"
steps = [
  { upload = ")T" + upload + R"T(", into = "#file" },
  { expect_text = "#sent", text = "uploaded" },
  { extract = "#sent", as = "sent" },
  { click = "#load" },
  { wait_for_response = "*/data.json", status = 200, as = "data_status" },
  { click = "#missing" },
  { wait_for_response = "*/missing.json", as = "missing_status" },
  { download = "#csv", into = ")T" + downloads.string() + R"T(", as = "csv" },
  { download = "#made", into = ")T" + downloads.string() + R"T(" },
]
)T");
    INFO(r.out.err);
    const auto& transfer = job(r.report, "transfer");
    REQUIRE(transfer["status"] == "passed");
    const auto& c = transfer["captures"];
    // httpbin received the file as a multipart form field, contents and all.
    CHECK(json::parse(c["sent"].get<std::string>()) == json{{"report", "the uploaded text\n"}});
    CHECK(c["data_status"] == 200);
    CHECK(c["missing_status"] == 404);
    CHECK(c["csv"] == (downloads / "q3-report.csv").string());
    CHECK(read_file(downloads / "q3-report.csv") == csv);
    CHECK(read_file(downloads / "notes.txt") == "made by the page\n");
    // Only the files: Chromium's staging directory is gone.
    CHECK(entries(downloads) == std::set<std::string>{"notes.txt", "q3-report.csv"});
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("upload, wait_for_response and download fail with the step and what the page did instead") {
    FileServer server;
    server.dir().file("transfer.html", transfer_page("http://127.0.0.1:1/post"));
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto downloads = dir.path() / "downloads";
    const auto url = server.url("/transfer.html");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"no_file", R"({ upload = "/nonexistent/upload.txt", into = "#file" })"},
        {"not_input", R"({ upload = ")" + dir.file("u.txt", "u") + R"(", into = "#name" })"},
        {"no_input", R"({ upload = ")" + dir.file("v.txt", "v") + R"(", into = "#nothing", timeout = "200ms" })"},
        {"no_response", R"({ click = "#missing" }, { wait_for_response = "*/never.json", timeout = "1s" })"},
        {"status", R"({ click = "#missing" }, { wait_for_response = "*/missing.json", status = 200 })"},
        {"no_download", R"({ download = "#load", into = ")" + downloads.string() + R"(", timeout = "1s" })"},
    };
    auto r = run_with_metrics(dir, browser_case_jobs(url, cases));
    INFO(r.out.err);
    const auto error = [&](const char* name) { return job(r.report, name)["first_error"].get<std::string>(); };
    CHECK(error("no_file") == R"(step 1 (upload "/nonexistent/upload.txt"): cannot upload /nonexistent/upload.txt: No such file or directory)");
    CHECK(error("not_input").find(R"(: `#name` is a <input type=text>, not an <input type=file>)") != std::string::npos);
    CHECK(error("no_input").find(R"(: nothing matches `#nothing` after 200 ms)") != std::string::npos);
    // The click's own request came; the one awaited did not.
    CHECK(error("no_response") == R"(step 2 (wait_for_response "*/never.json"): no response matched after 1s; 1 other response came: 404 ")" +
                                      server.url("/missing.json") + R"(")");
    CHECK(error("status") == R"(step 2 (wait_for_response "*/missing.json"): the response from ")" + server.url("/missing.json") +
                                 R"(" answered 404, expected 200)");
    CHECK(error("no_download") == R"(step 1 (download "#load"): no download finished within 1s)");
    // The failed download left no staging directory behind.
    CHECK(entries(downloads).empty());
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("the transfer steps' mistakes in a job file are errors with their place") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"([jobs.a]
kind = "browser"
url = "about:blank"
steps = [
  { upload = "a.txt" },
  { download = "#x" },
  { wait_for_response = "*/api", status = 99 },
]
)");
    const auto out = run_gaia({"validate", file});
    INFO(out.err);
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(file + ":5:3: error: steps[1]: `upload` needs `into`, the selector of the file input") != std::string::npos);
    CHECK(out.err.find(file + ":6:3: error: steps[2]: `download` needs `into`, the directory the file is saved in") !=
          std::string::npos);
    CHECK(out.err.find(file + ":7:43: error: `steps[3].status` is 99; it must be between 100 and 599") != std::string::npos);
}
