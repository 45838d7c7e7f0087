// Header and request-line injection through templates: a capture, an item or a variable
// that brings CR, LF or NUL into a header, a URL or a method fails the attempt before
// anything is sent, on both engines alike. (Written in the job file, the same text is a
// load-time error: tests/jobfiles/broken.)

#include "tests/support/misbehaving_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace gaia::test;
using nlohmann::json;

TEST_CASE("http: CR, LF and NUL from templates are refused per attempt — an empty header value is sent by both engines") {
    MisbehavingServer server;
    for (const std::string engine : {"auto", "curl"}) {
        CAPTURE(engine);
        TempDir dir;
        const auto file = dir.file("jobs.toml", R"T([vars]
base = ")T" + server.url("") + R"T("
[jobs.cap]
kind = "process"
command = ["printf", "tok\\r\\nX-From-Capture: yes"]
capture.t = "stdout"
[jobs.header]
kind = "http"
needs = ["cap"]
url = "{{ vars.base }}/echo"
headers = { Authorization = "Bearer {{ jobs.cap.t }}" }
[jobs.url]
kind = "http"
needs = ["cap"]
url = "{{ vars.base }}/echo?q={{ jobs.cap.t }}"
[jobs.method]
kind = "http"
needs = ["cap"]
method = "{{ jobs.cap.t }}"
url = "{{ vars.base }}/echo"
[jobs.item_nul]
kind = "http"
for_each = ["ok", "a\u0000b"]
url = "{{ vars.base }}/echo"
headers = { X-Item = "{{ item }}" }
[jobs.latin1]
kind = "process"
command = ["printf", "caf\\351"]
capture.t = "stdout"
[jobs.json_body]
kind = "http"
needs = ["latin1"]
method = "POST"
url = "{{ vars.base }}/echo"
json = { name = "{{ jobs.latin1.t }}" }
capture.body = "json:$.body"
[jobs.empty]
kind = "http"
url = "{{ vars.base }}/echo"
headers = { X-Empty = "", X-Full = "1" }
capture.headers = "json:$.headers"
)T");
        const auto report = (dir.path() / "report.json").string();
        auto out = run_program({GAIA_BINARY, "run", file, "--report-json", report}, "", {"GAIA_HTTP_ENGINE=" + engine});
        INFO(out.err);
        CHECK(out.exit_code == 1);
        auto r = json::parse(read_file(report));
        CHECK(job(r, "header")["status"] == "failed");
        CHECK(job(r, "header")["first_error"].get<std::string>().find(
                  "`headers.Authorization` holds a carriage return (\\r) at byte 11 once rendered "
                  "(CR, LF and NUL are refused in header values)") != std::string::npos);
        CHECK(job(r, "url")["first_error"].get<std::string>().find("`url` holds a carriage return (\\r)") !=
              std::string::npos);
        CHECK(job(r, "method")["first_error"].get<std::string>().find("`method` holds a carriage return (\\r)") !=
              std::string::npos);
        CHECK(job(r, "item_nul")["passed"] == 1);
        CHECK(job(r, "item_nul")["failed"] == 1);
        CHECK(job(r, "item_nul")["first_error"].get<std::string>().find("`headers.X-Item` holds a NUL byte (\\0) at byte 2") !=
              std::string::npos);
        // Refused, not retried: the same template gives the same text on every attempt.
        CHECK(job(r, "header")["attempts"] == 1);
        const auto& seen = job(r, "empty")["captures"]["headers"];
        CHECK(seen["x-full"] == "1");
        REQUIRE(seen.contains("x-empty"));
        CHECK(seen["x-empty"] == "");
        CHECK_FALSE(seen.contains("x-from-capture"));
        // A capture that is not UTF-8 in a JSON body: JSON is UTF-8, so the byte becomes
        // U+FFFD (before, encoding the body threw and gaia spun at full CPU, never finishing).
        CHECK(job(r, "json_body")["captures"]["body"] == "{\"name\":\"caf\uFFFD\"}");
    }
    // Nothing of the injected text ever reached the server.
    CHECK(server.arrivals("/echo?q=").empty());
}
