// What an http job sends and saves: bodies of every kind (a streamed body_file among
// them), query encoding, and save_body streamed into place atomically. Checked at a real
// server that echoes what it received.

#include "tests/support/misbehaving_server.hpp"
#include "tests/support/nginx_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace gaia::test;
using nlohmann::json;

namespace {

std::string sha256_of(const std::string& path) {
    auto out = run_program({"sha256sum", path});
    return out.out.substr(0, 64);
}

// Captures the echo server's JSON answer of every job as `echo`.
json echoed(const json& report, const std::string& name) {
    return json::parse(job(report, name)["captures"]["echo"].get<std::string>());
}

std::vector<std::string> leftovers(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const auto name = e.path().filename().string();
        if (name.find(".gaia-") != std::string::npos) names.push_back(name);
    }
    return names;
}

}  // namespace

TEST_CASE("http bodies: body, json, form and a streamed body_file arrive as sent") {
    MisbehavingServer server;
    TempDir dir;
    // 20 MiB: well over any buffer, so the upload has to stream in chunks.
    const auto upload = dir.path() / "upload.bin";
    {
        std::ofstream f(upload, std::ios::binary);
        std::string block(1 << 20, '\0');
        for (int i = 0; i < 20; ++i) {
            for (std::size_t j = 0; j < block.size(); ++j) block[j] = static_cast<char>((i * 31 + j) % 251);
            f.write(block.data(), static_cast<std::streamsize>(block.size()));
        }
    }
    const auto echo = server.url("/echo");
    Output out;
    auto r = run_report(dir, R"T([jobs.text]
kind = "http"
method = "post"
url = ")T" + echo + R"T("
body = "plain {{ index }}"
headers = { "Content-Type" = "text/plain", "X-Count" = 3 }
query = { q = "a b&c", n = "{{ index }}" }
capture.echo = "body"
[jobs.json]
kind = "http"
method = "PATCH"
url = ")T" + echo + R"T("
json = { name = "gaia", tags = ["a", "{{ index }}"], nested = { ok = true } }
capture.echo = "body"
[jobs.form]
kind = "http"
method = "POST"
url = ")T" + echo + R"T("
form = { user = "ci bot", "pass&word" = "p=1" }
capture.echo = "body"
[jobs.file]
kind = "http"
method = "PUT"
url = ")T" + echo + R"T("
body_file = ")T" + upload.string() + R"T("
capture.echo = "body"
[jobs.missing_file]
kind = "http"
method = "PUT"
url = ")T" + echo + R"T("
body_file = ")T" + (dir.path() / "nope.bin").string() + R"T("
retries = 2
)T", &out);
    INFO(out.err);
    auto text = echoed(r, "text");
    CHECK(text["method"] == "POST");
    CHECK(text["path"] == "/echo?n=0&q=a%20b%26c");  // toml++ sorts the keys
    CHECK(text["body"] == "plain 0");
    CHECK(text["headers"]["content-type"] == "text/plain");
    CHECK(text["headers"]["x-count"] == "3");

    auto body = echoed(r, "json");
    CHECK(body["method"] == "PATCH");
    CHECK(body["headers"]["content-type"] == "application/json");
    CHECK(json::parse(body["body"].get<std::string>()) ==
          json({{"name", "gaia"}, {"tags", {"a", "0"}}, {"nested", {{"ok", true}}}}));

    auto form = echoed(r, "form");
    CHECK(form["headers"]["content-type"] == "application/x-www-form-urlencoded");
    // toml++ keeps a table's keys sorted.
    CHECK(form["body"] == "pass%26word=p%3D1&user=ci%20bot");

    auto file = echoed(r, "file");
    CHECK(file["method"] == "PUT");
    CHECK(file["body_length"] == 20 << 20);
    CHECK(file["headers"]["content-length"] == std::to_string(20 << 20));
    CHECK(file["body_sha256"] == sha256_of(upload.string()));

    // A missing file is not worth another attempt, and says which file.
    CHECK(job(r, "missing_file")["attempts"] == 1);
    CHECK(job(r, "missing_file")["first_error"].get<std::string>().find("nope.bin") != std::string::npos);
    CHECK(job(r, "missing_file")["first_error"].get<std::string>().find("no such file") != std::string::npos);
}

TEST_CASE("save_body streams a large response into place, and a failed attempt leaves the old file") {
    MisbehavingServer server;
    TempDir dir;
    const auto big = (dir.path() / "big.bin").string();
    const auto kept = dir.file("kept.txt", "the old content\n");
    const auto report = (dir.path() / "report.json").string();
    auto jobs = dir.file("jobs.toml", R"T([jobs.big]
kind = "http"
url = ")T" + server.url("/bytes/209715200") + R"T("
save_body = ")T" + big + R"T("
[jobs.error_page]
kind = "http"
url = ")T" + server.url("/status/404") + R"T("
save_body = ")T" + kept + R"T("
[jobs.cut_short]
kind = "http"
url = ")T" + server.url("/short-body") + R"T("
save_body = ")T" + kept + R"T("
[jobs.no_dir]
kind = "http"
url = ")T" + server.url("/bytes/10") + R"T("
save_body = ")T" + (dir.path() / "missing" / "x.bin").string() + R"T("
)T");
    // GNU time reports gaia's peak RSS: 200 MiB must go through, not into memory.
    auto out = run_program({"/usr/bin/time", "-f", "%M", GAIA_BINARY, "run", jobs, "--report-json", report});
    INFO(out.err);
    auto r = json::parse(read_file(report));
    CHECK(job(r, "big")["status"] == "passed");
    CHECK(std::filesystem::file_size(big) == 209715200u);
    CHECK(job(r, "error_page")["status"] == "failed");
    CHECK(job(r, "cut_short")["status"] == "failed");
    CHECK(read_file(kept) == "the old content\n");
    CHECK(job(r, "no_dir")["first_error"].get<std::string>().find("cannot create a temporary file") != std::string::npos);
    CHECK(leftovers(dir.path()).empty());
    const auto last_line = out.err.substr(out.err.rfind('\n', out.err.size() - 2) + 1);
#ifndef GAIA_SANITIZED
    CHECK(std::stol(last_line) < 64 * 1024);  // KiB
#endif
}

TEST_CASE("HTTPS verifies certificates by default, and http_version picks HTTP/2 or 1.1 (nginx)") {
    NginxServer nginx;
    TempDir dir;
    Output out;
    auto r = run_report(dir, R"T([jobs.verified]
kind = "http"
url = ")T" + nginx.https_url("/hello.txt") + R"T("
[jobs.h2]
kind = "http"
insecure = true
http_version = "2"
url = ")T" + nginx.https_url("/data.json") + R"T("
expect.json = { "$.ids[1]" = 2 }
[jobs.h1]
kind = "http"
insecure = true
http_version = "1.1"
url = ")T" + nginx.https_url("/hello.txt") + R"T("
)T", &out);
    INFO(out.err);
    // A self-signed certificate is refused unless the job says insecure.
    CHECK(job(r, "verified")["status"] == "failed");
    CHECK(job(r, "verified")["first_error"].get<std::string>().find("certificate") != std::string::npos);
    CHECK(job(r, "h2")["status"] == "passed");
    CHECK(job(r, "h2")["details"]["http_version"] == "2");
    CHECK(job(r, "h1")["details"]["http_version"] == "1.1");
}

TEST_CASE("expect.json values may be templates, rendered per instance") {
    MisbehavingServer server;
    TempDir dir;
    Output out;
    auto r = run_report(dir, R"T([jobs.echo]
kind = "http"
repeat = 3
url = ")T" + server.url("/echo?i={{ index }}") + R"T("
expect.json = { "$.path" = "/echo?i={{ index }}", "$.method" = "GET" }
[jobs.wrong]
kind = "http"
url = ")T" + server.url("/echo") + R"T("
expect.json = { "$.method" = "{{ vars.method }}" }
[vars]
method = "POST"
)T", &out);
    INFO(out.err);
    CHECK(job(r, "echo")["passed"] == 3);
    CHECK(job(r, "wrong")["first_error"] == "$.method is \"GET\", expected \"POST\"");
}
