// Stored sessions: save_storage writes what a page's login left (cookies, localStorage,
// sessionStorage) and storage starts other pages from it, in real headless Chromium,
// against httpbin on loopback — which sets cookies as a login would and says which ones
// each request carried.

#include "tests/support/browser_scratch.hpp"
#include "tests/support/httpbin_server.hpp"
#include "tests/support/report_helpers.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>

using namespace gaia::test;
using nlohmann::json;

namespace {

// What a page sees of its session: the cookies httpbin received, and its storage.
constexpr const char* kSeen =
    "({ cookies: JSON.parse(document.body.innerText).cookies, token: localStorage.getItem('token'),"
    " tab: sessionStorage.getItem('tab') })";

}  // namespace

TEST_CASE("a login saved by save_storage starts each of 20 pages: cookies, localStorage, sessionStorage") {
    HttpbinServer httpbin;
    TempDir dir;
    BrowserScratch scratch(dir);
    // Not made yet: save_storage makes it.
    const auto state = (dir.path() / "state/login.json").string();
    auto r = run_with_metrics(dir, R"T(
[jobs.login]
kind = "browser"
url = ")T" + httpbin.url("/cookies/set?session=s3cr3t-value") + R"T("
timeout = "30s"
steps = [{ eval = "localStorage.setItem('token', 't-1'); sessionStorage.setItem('tab', 's-1'); document.cookie = 'js=1; path=/'" }]
save_storage = ")T" + state + R"T("

[jobs.checks]
kind = "browser"
needs = ["login"]
repeat = 20
url = ")T" + httpbin.url("/cookies") + R"T("
timeout = "30s"
storage = ")T" + state + R"T("
steps = [{ eval = ")T" + std::string(kSeen) + R"T(", as = "seen" }]

[jobs.fresh]
kind = "browser"
needs = ["login"]
url = ")T" + httpbin.url("/cookies") + R"T("
timeout = "30s"
steps = [{ eval = ")T" + std::string(kSeen) + R"T(", as = "seen" }]
)T");
    INFO(r.out.err);
    REQUIRE(job(r.report, "login")["status"] == "passed");

    // The file: Playwright's storageState shape, readable by its owner only.
    struct stat st {};
    REQUIRE(::stat(state.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const auto saved = json::parse(read_file(state));
    INFO(saved.dump(2));
    std::map<std::string, std::string> cookies;
    for (const auto& c : saved["cookies"]) {
        cookies[c["name"]] = c["value"];
        CHECK(c["domain"] == "127.0.0.1");
        CHECK(c["path"] == "/");
        CHECK(c["expires"] == -1);
        CHECK(c.contains("httpOnly"));
        CHECK(c.contains("sameSite"));
    }
    CHECK(cookies == std::map<std::string, std::string>{{"session", "s3cr3t-value"}, {"js", "1"}});
    REQUIRE(saved["origins"].size() == 1);
    CHECK(saved["origins"][0]["origin"] == "http://127.0.0.1:" + std::to_string(httpbin.port()));
    CHECK(saved["origins"][0]["localStorage"] == json::array({{{"name", "token"}, {"value", "t-1"}}}));
    CHECK(saved["origins"][0]["sessionStorage"] == json::array({{{"name", "tab"}, {"value", "s-1"}}}));

    // Every page of the fan-out starts logged in: the server got the cookies with the first
    // request, and the storage was there before the page's scripts ran.
    const auto& checks = job(r.report, "checks");
    CHECK(checks["status"] == "passed");
    REQUIRE(checks["captures"]["seen"].size() == 20);
    for (const auto& seen : checks["captures"]["seen"]) {
        CHECK(seen == json{{"cookies", {{"session", "s3cr3t-value"}, {"js", "1"}}}, {"token", "t-1"}, {"tab", "s-1"}});
    }
    // A page without `storage` has its own empty context.
    CHECK(job(r.report, "fresh")["captures"]["seen"] == json{{"cookies", json::object()}, {"token", nullptr}, {"tab", nullptr}});
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("a stored session is put in place once: a page's own changes survive its reload, and save_storage keeps them") {
    HttpbinServer httpbin;
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto state = dir.file("state.json", R"({
  "cookies": [{ "name": "session", "value": "old", "domain": "127.0.0.1", "path": "/", "expires": -1,
                "httpOnly": true, "secure": false, "sameSite": "Lax" }],
  "origins": [
    { "origin": "http://127.0.0.1:)" + std::to_string(httpbin.port()) + R"(", "localStorage": [{ "name": "token", "value": "t-1" }] },
    { "origin": "https://elsewhere.example", "localStorage": [{ "name": "kept", "value": "as it was" }] }
  ]
})");
    const auto renewed = (dir.path() / "renewed.json").string();
    auto r = run_with_metrics(dir, R"T(
[jobs.refresh]
kind = "browser"
url = ")T" + httpbin.url("/cookies") + R"T("
timeout = "30s"
storage = ")T" + state + R"T("
save_storage = ")T" + renewed + R"T("
steps = [
  { eval = "localStorage.getItem('token')", as = "first" },
  { eval = "localStorage.setItem('token', 't-2')" },
  { goto = ")T" + httpbin.url("/cookies/set?session=new") + R"T(" },
  { eval = "localStorage.getItem('token')", as = "after_reload" },
  { eval = "JSON.parse(document.body.innerText).cookies", as = "cookies" },
]
)T");
    INFO(r.out.err);
    const auto& refresh = job(r.report, "refresh");
    REQUIRE(refresh["status"] == "passed");
    CHECK(refresh["captures"]["first"] == "t-1");
    CHECK(refresh["captures"]["after_reload"] == "t-2");
    CHECK(refresh["captures"]["cookies"] == json{{"session", "new"}});
    const auto saved = json::parse(read_file(renewed));
    INFO(saved.dump(2));
    REQUIRE(saved["cookies"].size() == 1);
    CHECK(saved["cookies"][0]["value"] == "new");
    // The origin the page is on, as it is now; the other as it was loaded.
    REQUIRE(saved["origins"].size() == 2);
    CHECK(saved["origins"][0]["localStorage"] == json::array({{{"name", "token"}, {"value", "t-2"}}}));
    CHECK(saved["origins"][1] == json{{"origin", "https://elsewhere.example"},
                                      {"localStorage", json::array({{{"name", "kept"}, {"value", "as it was"}}})}});
}

TEST_CASE("a session file that is missing or is not a session fails its job with the reason, and the run goes on") {
    TempDir dir;
    BrowserScratch scratch(dir);
    const auto missing = (dir.path() / "nowhere/login.json").string();
    const auto broken = dir.file("broken.json", R"({"cookies": [{"name": "a", "value": "b", "domain": "x", "sameSite": "Sometimes"}]})");
    const auto garbage = dir.file("garbage.json", "{\"cookies\": [\n  {\"name\": \"a\",,}\n]}");
    auto r = run_with_metrics(dir, R"T(
[jobs.missing]
kind = "browser"
url = "about:blank"
storage = ")T" + missing + R"T("

[jobs.broken]
kind = "browser"
url = "about:blank"
storage = ")T" + broken + R"T("

[jobs.garbage]
kind = "browser"
url = "about:blank"
storage = ")T" + garbage + R"T("

[jobs.unwritable]
kind = "browser"
url = "about:blank"
save_storage = "/proc/gaia-cannot-write-here/state.json"

[jobs.fine]
kind = "browser"
url = "about:blank"
)T");
    INFO(r.out.err);
    CHECK(r.out.exit_code == 1);
    const auto error = [&](const char* name) { return job(r.report, name)["first_error"].get<std::string>(); };
    CHECK(error("missing") == "storage: cannot read " + missing + ": No such file or directory");
    CHECK(error("broken") == "storage: " + broken + ": cookies[0].sameSite: not \"Strict\", \"Lax\" or \"None\"");
    CHECK(error("garbage").rfind("storage: " + garbage + ": not JSON: parse error at line 2, ", 0) == 0);
    CHECK(error("unwritable").rfind("save_storage \"/proc/gaia-cannot-write-here/state.json\": cannot create /proc/gaia-cannot-write-here", 0) == 0);
    // A file that is not there is not worth retrying: one attempt each.
    CHECK(job(r.report, "missing")["attempts"] == 1);
    CHECK(job(r.report, "fine")["status"] == "passed");
    CHECK(scratch.browsers() == 0);
}

TEST_CASE("storage and save_storage in a job file: a path, with errors at their place") {
    TempDir dir;
    const auto file = dir.file("jobs.toml", R"([jobs.a]
kind = "browser"
url = "about:blank"
storage = ""

[jobs.b]
kind = "browser"
url = "about:blank"
save_storage = 3
)");
    const auto out = run_gaia({"validate", file});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find(file + ":4:11: error: `storage` is the path of a session file, e.g. \"state/login.json\"; it is empty") !=
          std::string::npos);
    CHECK(out.err.find(file + ":9:16: error: `save_storage`") != std::string::npos);
}
