// `multipart` bodies: fields and uploads as httpbin (a server nobody here wrote) parses
// them, a 200 MiB upload streamed at bounded memory, a missing file, and job-file mistakes.

#include "tests/support/httpbin_server.hpp"
#include "tests/support/misbehaving_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

using namespace gaia::test;
using nlohmann::json;

TEST_CASE("multipart: fields and a file upload, as httpbin reads them") {
    HttpbinServer httpbin;
    TempDir dir;
    const auto notes = dir.file("notes.txt", "line one\nline \"two\"\n");
    auto ran = run_with_metrics(dir, "[jobs.form]\nkind = \"http\"\nmethod = \"POST\"\nurl = \"" + httpbin.url("/post") + "\"\n"
                                     "multipart = { name = \"gaia {{ index }}\", count = 3, upload = { file = \"" + notes +
                                     "\", type = \"text/plain\", filename = \"report.txt\" }, raw = { file = \"" + notes + "\" } }\n"
                                     "capture = { echo = \"body\" }\n"
                                     "[jobs.missing]\nkind = \"http\"\nmethod = \"POST\"\nurl = \"" + httpbin.url("/post") + "\"\n"
                                     "multipart = { upload = { file = \"" + (dir.path() / "nope.bin").string() + "\" } }\n");
    INFO(ran.out.err);
    REQUIRE(job(ran.report, "form")["status"] == "passed");
    const auto echo = json::parse(job(ran.report, "form")["captures"]["echo"].get<std::string>());
    CHECK(echo["form"]["name"] == "gaia 0");
    CHECK(echo["form"]["count"] == "3");
    CHECK(echo["files"]["upload"] == "line one\nline \"two\"\n");
    CHECK(echo["files"]["raw"] == "line one\nline \"two\"\n");
    CHECK(echo["headers"]["Content-Type"].get<std::string>().rfind("multipart/form-data; boundary=gaia-form-", 0) == 0);
    CHECK(job(ran.report, "form")["details"]["engine"] == "curl");
    CHECK(job(ran.report, "missing")["status"] == "failed");
    CHECK(ran.out.err.find("multipart upload " + (dir.path() / "nope.bin").string() + ": ENOENT (no such file or directory)") !=
          std::string::npos);

    const auto bad = dir.file("bad.toml", "[jobs.a]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\n"
                                          "headers = { Content-Type = \"multipart/form-data\" }\nmultipart = { x = \"1\" }\n"
                                          "[jobs.b]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\n"
                                          "multipart = { up = { type = \"text/plain\" } }\n"
                                          "[jobs.c]\nkind = \"http\"\nurl = \"http://127.0.0.1:1/\"\nbody = \"x\"\nmultipart = { x = \"1\" }\n");
    auto out = run_gaia({"validate", bad});
    CHECK(out.exit_code == 2);
    CHECK(out.err.find("`multipart` writes its own Content-Type (it carries the boundary): drop the header") != std::string::npos);
    CHECK(out.err.find("`multipart.up` is an upload: it needs `file`, the path to send") != std::string::npos);
    CHECK(out.err.find("an http job has one body: `body` is already set, so `multipart` cannot be") != std::string::npos);
}

TEST_CASE("multipart: a 200 MiB upload streams through at bounded memory") {
    MisbehavingServer server;
    TempDir dir;
    const auto big = (dir.path() / "big.bin").string();
    {
        std::ofstream out(big, std::ios::binary);
        const std::string chunk(1 << 20, 'g');
        for (int i = 0; i < 200; ++i) out << chunk;
    }
    const auto report = (dir.path() / "report.json").string();
    const auto jobs = dir.file("jobs.toml", "[jobs.upload]\nkind = \"http\"\nmethod = \"POST\"\nurl = \"" + server.url("/echo") +
                                                "\"\nmultipart = { note = \"x\", data = { file = \"" + big + "\" } }\n"
                                                "capture = { echo = \"body\" }\n");
    // GNU time reports gaia's peak RSS: 200 MiB must go through, not into memory.
    auto out = run_program({"/usr/bin/time", "-f", "%M", GAIA_BINARY, "run", jobs, "--report-json", report});
    INFO(out.err);
    const auto r = json::parse(read_file(report));
    REQUIRE(job(r, "upload")["status"] == "passed");
    const auto echo = json::parse(job(r, "upload")["captures"]["echo"].get<std::string>());
    const auto length = echo["body_length"].get<std::uint64_t>();
    CHECK(length > 200u << 20);
    CHECK(length < (200u << 20) + 1024);
    CHECK(echo["headers"]["content-length"] == std::to_string(length));
    const auto last_line = out.err.substr(out.err.rfind('\n', out.err.size() - 2) + 1);
#ifndef GAIA_SANITIZED
    CHECK(std::stol(last_line) < 64 * 1024);  // KiB
#endif
}

TEST_CASE("multipart: uploads are paced by [network].bandwidth, as body_file is") {
    MisbehavingServer server;
    TempDir dir;
    const auto data = dir.file("data.bin", std::string(3 << 20, 'u'));
    // 3 MiB at 1 MiB/s: about 3 s (unpaced, 0.05 s on loopback).
    auto ran = run_with_metrics(dir, "[network]\nbandwidth = \"1MiB/s\"\n"
                                     "[jobs.form]\nkind = \"http\"\nmethod = \"POST\"\nurl = \"" + server.url("/echo") + "\"\n"
                                     "multipart = { data = { file = \"" + data + "\" } }\n"
                                     "[jobs.file]\nkind = \"http\"\nmethod = \"POST\"\nurl = \"" + server.url("/echo") + "\"\n"
                                     "needs = [\"form\"]\nbody_file = \"" + data + "\"\n");
    INFO(ran.out.err);
    for (const char* name : {"form", "file"}) {
        INFO(name);
        const auto& j = job(ran.report, name);
        CHECK(j["status"] == "passed");
        const double seconds = j["duration_s"].get<double>();
        CHECK(seconds > 1.5);
        CHECK(seconds < 6.0);
    }
}
