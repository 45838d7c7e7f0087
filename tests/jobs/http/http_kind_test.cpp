// The http kind end to end: the gaia binary against a real HTTP server on loopback.

#include "tests/support/file_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace gaia::test;
using nlohmann::json;


TEST_CASE("http jobs: expectations, JSON captures and a fan-out over a captured array") {
    FileServer server;
    TempDir dir;
    Output out;
    auto r = run_report(dir, R"T([vars]
base = ")T" + server.url("") + R"T("
[jobs.login]
kind = "http"
url = "{{ vars.base }}/data.json"
expect.status = [200, 201]
expect.headers = { "Content-Type" = "json", "Content-Length" = "~^[0-9]+$" }
expect.json = { "$.user.name" = "ci", "$.ids[2]" = 3, "$['user']['admin']" = false }
capture.token = "json:$.token"
capture.ids = "json:$.ids"
capture.code = "status"
[jobs.items]
kind = "http"
needs = ["login"]
for_each = "{{ jobs.login.ids }}"
url = "{{ vars.base }}/hello.txt"
query = { id = "{{ item }}", token = "{{ jobs.login.token }}" }
headers = { Authorization = "Bearer {{ jobs.login.token }}" }
expect.body_contains = "hello"
expect.body_matches = "^hello, \\w+"
capture.who = "regex:hello, (\\w+)"
)T", &out);
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(job(r, "login")["captures"]["token"] == "t0k3n");
    CHECK(job(r, "login")["captures"]["ids"] == json::array({1, 2, 3}));
    CHECK(job(r, "login")["captures"]["code"] == 200);
    CHECK(job(r, "items")["instances"] == 3);
    CHECK(job(r, "items")["captures"]["who"] == json::array({"gaia", "gaia", "gaia"}));
}

TEST_CASE("http failures say what was expected, per instance") {
    FileServer server;
    RefusingPort refusing;
    TempDir dir;
    auto r = run_report(dir, R"T([jobs.missing]
kind = "http"
url = ")T" + server.url("/nope") + R"T("
[jobs.wrong]
kind = "http"
url = ")T" + server.url("/data.json") + R"T("
expect.json = { "$.user.name" = "root" }
[jobs.notjson]
kind = "http"
url = ")T" + server.url("/hello.txt") + R"T("
capture.t = "json:$.token"
[jobs.refused]
kind = "http"
url = ")T" + refusing.url() + R"T("
retries = { attempts = 2, backoff = "10ms" }
[jobs.capped]
kind = "http"
url = ")T" + server.url("/big.bin") + R"T("
expect.body_contains = "y"
[jobs.captured_big]
kind = "http"
url = ")T" + server.url("/big.bin") + R"T("
capture.all = "body"
[api]
max_body = "64KiB"
)T");
    CHECK(job(r, "missing")["first_error"].get<std::string>().find(": status 404 (expected 2xx): ") != std::string::npos);
    CHECK(job(r, "wrong")["first_error"] == "$.user.name is \"ci\", expected \"root\"");
    CHECK(job(r, "notjson")["first_error"] == "capture `t`: the response is not JSON");
    CHECK(job(r, "refused")["attempts"] == 3);
    CHECK(job(r, "refused")["first_error"].get<std::string>().find("Couldn't connect to server") != std::string::npos);
    CHECK(job(r, "capped")["first_error"].get<std::string>().find("larger than [api].max_body") != std::string::npos);
    CHECK(job(r, "capped")["bytes"] == 3 << 20);
    // A capture is the whole body or an error, never its first max_body bytes.
    CHECK(job(r, "captured_big")["status"] == "failed");
    CHECK(job(r, "captured_big")["first_error"].get<std::string>().find("capture `all`: the response body is larger than "
                                                                        "[api].max_body (65536 bytes)") != std::string::npos);
    CHECK_FALSE(job(r, "captured_big")["captures"].contains("all"));
}

TEST_CASE("http metrics use the host, never the URL") {
    FileServer server;
    TempDir dir;
    auto file = dir.file("jobs.toml", "[jobs.get]\nkind = \"http\"\nrepeat = 4\nurl = \"" +
                                          server.url("/hello.txt?secret={{ index }}") + "\"\n");
    const auto metrics = (dir.path() / "m.prom").string();
    auto out = run_gaia({"run", file, "--metrics-file", metrics});
    CHECK(out.exit_code == 0);
    const auto text = read_file(metrics);
    CHECK(text.find("gaia_api_requests_total{host=\"127.0.0.1\",method=\"GET\",code=\"200\"} 4") != std::string::npos);
    CHECK(text.find("secret") == std::string::npos);
    CHECK(text.find("gaia_api_requests_in_flight 0") != std::string::npos);
    auto check = run_program({"sh", "-c", "promtool check metrics < " + metrics});
    CHECK(check.exit_code == 0);
}
