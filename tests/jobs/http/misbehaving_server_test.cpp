// Servers that misbehave: each failure is a clear per-instance error, the rest of the run
// goes on, and gaia neither crashes nor grows without bound.

#include "tests/support/misbehaving_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace gaia::test;
using nlohmann::json;

TEST_CASE("misbehaving servers: resets, stalls, loops, huge headers, bad chunks, bombs and drips") {
    MisbehavingServer server;
    TempDir dir;
    std::string jobs;
    // Each job: a route, and the words its error must contain.
    const std::vector<std::tuple<std::string, std::string, std::string>> cases{
        {"reset", "/reset", "Connection reset by peer"},
        {"stall_headers", "/stall-headers", "timed out after 1s"},
        {"stall_body", "/stall-body", "timed out after 1s"},
        {"redirect_loop", "/redirect-loop", "Maximum (20) redirects followed"},
        {"huge_headers", "/huge-headers", "a response header line is larger than 100 KiB"},
        {"many_headers", "/many-headers", "the response headers are larger than 256 KiB"},
        {"bad_chunked", "/bad-chunked", "Illegal or missing hexadecimal sequence in chunked-encoding"},
        {"short_body", "/short-body", "transfer closed with 990 bytes remaining"},
        {"garbage", "/garbage", "Received HTTP/0.9 when not allowed"},
        {"drip", "/drip/50", "timed out after 1s"},
        {"server_error", "/status/500", "status 500 (expected 2xx)"},
        {"bomb", "/gzip-bomb", "decodes to more than 64 MiB (a compression bomb?)"},
    };
    for (const auto& [name, path, error] : cases) {
        jobs += "[jobs." + name + "]\nkind = \"http\"\nrepeat = 5\ntimeout = \"1s\"\nurl = \"" + server.url(path) + "\"\n";
        if (name == "bomb") jobs += "headers = { Accept-Encoding = \"gzip\" }\n";
    }
    // Without Accept-Encoding the same bomb stays compressed, 1 MiB, and is not JSON.
    jobs += "[jobs.bomb_undecoded]\nkind = \"http\"\nrepeat = 5\nurl = \"" + server.url("/gzip-bomb") +
            "\"\nexpect.json = { \"$.a\" = 1 }\n";
    jobs += "[jobs.fine]\nkind = \"http\"\nrepeat = 20\nurl = \"" + server.url("/echo") + "\"\n";
    auto file = dir.file("jobs.toml", jobs);
    const auto report = (dir.path() / "report.json").string();
    auto out = run_program({"/usr/bin/time", "-f", "%M", GAIA_BINARY, "run", file, "--report-json", report});
    INFO(out.err);
    CHECK(out.exit_code == 1);  // failed jobs, not a crash
    auto r = json::parse(read_file(report));
    for (const auto& [name, path, error] : cases) {
        CAPTURE(name);
        const auto& j = job(r, name);
        CHECK(j["failed"] == 5);
        CHECK(j["first_error"].get<std::string>().find(error) != std::string::npos);
    }
    CHECK(job(r, "bomb_undecoded")["first_error"].get<std::string>().find("the response is not JSON") != std::string::npos);
    CHECK(job(r, "fine")["passed"] == 20);
    const auto rss_kib = std::stol(out.err.substr(out.err.rfind('\n', out.err.size() - 2) + 1));
#ifndef GAIA_SANITIZED
    CHECK(rss_kib < 64 * 1024);
#else
    (void)rss_kib;
#endif
}
