// Services (background = true): readiness, lifetime tied to the jobs that need them,
// early death, and nothing left running afterwards. A small Python HTTP server plays
// the service.

#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <thread>

using namespace gaia::test;
using nlohmann::json;

namespace {

const char* kFetch = R"T(["python3", "-c", "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).status)", )T";

}  // namespace

TEST_CASE("an http-ready service serves the jobs that need it and is stopped afterwards") {
    TempDir dir;
    Output out;
    auto r = run_report(dir, std::string(R"T([jobs.web]
kind = "process"
command = ["python3", "-m", "http.server", "18911", "--bind", "127.0.0.1", "--directory", "/tmp"]
background = true
ready = { http = "http://127.0.0.1:18911/", timeout = "15s" }
[jobs.fetch]
kind = "process"
needs = ["web"]
repeat = 3
command = )T") + kFetch + R"T("http://127.0.0.1:18911/"]
expect.stdout_contains = "200"
[jobs.later]
kind = "process"
needs = ["fetch"]
shell = "sleep 0.5; ! pgrep -f 'http[.]server 18911'"
)T", &out);
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(job(r, "web")["status"] == "passed");
    CHECK(job(r, "web")["details"]["ready_after_s"].get<double>() > 0);
    CHECK(job(r, "fetch")["passed"] == 3);
    // `later` needs fetch only: by then nothing needs the service, so it has stopped.
    CHECK(job(r, "later")["status"] == "passed");
    CHECK(count_processes("http.server 18911") == 0);
}

TEST_CASE("tcp and log readiness") {
    TempDir dir;
    auto r = run_report(dir, R"T([jobs.tcp]
kind = "process"
command = ["python3", "-m", "http.server", "18912", "--bind", "127.0.0.1"]
background = true
ready = { tcp = "127.0.0.1:18912" }
[jobs.log]
kind = "process"
shell = "echo booting; sleep 0.2; echo 'server listening' >&2; sleep 60"
background = true
ready = { log = "listening$" }
[jobs.use]
kind = "process"
needs = ["tcp", "log"]
command = ["true"]
)T");
    CHECK(job(r, "tcp")["status"] == "passed");
    CHECK(job(r, "log")["status"] == "passed");
    CHECK(job(r, "log")["details"]["ready_after_s"].get<double>() >= 0.2);
    CHECK(job(r, "use")["status"] == "passed");
    CHECK(count_processes("http.server 18912") == 0);
}

TEST_CASE("a service that is never ready fails, and what needs it is skipped") {
    TempDir dir;
    auto r = run_report(dir, R"T([jobs.mute]
kind = "process"
shell = "sleep 60.1313"
background = true
ready = { tcp = "127.0.0.1:18913", timeout = "300ms" }
[jobs.use]
kind = "process"
needs = ["mute"]
command = ["true"]
)T");
    CHECK(job(r, "mute")["first_error"] == "service not ready after 300ms");
    CHECK(job(r, "use")["status"] == "skipped");
    CHECK(count_processes("sleep 60.1313") == 0);
}

TEST_CASE("a service that exits before it is ready, or while it is needed, fails clearly") {
    TempDir dir;
    auto r = run_report(dir, R"T([jobs.crash]
kind = "process"
shell = "echo 'no config' >&2; exit 2"
background = true
ready = { log = "ready" }
[jobs.flaky]
kind = "process"
shell = "echo ready; sleep 0.3; echo 'lost the disk' >&2; exit 3"
background = true
ready = { log = "ready" }
[jobs.victim]
kind = "process"
needs = ["flaky"]
command = ["sleep", "10.4141"]
[jobs.waiting]
kind = "process"
needs = ["victim"]
command = ["true"]
)T");
    CHECK(job(r, "crash")["first_error"] == "service exited before it was ready (exit code 2): no config");
    CHECK(job(r, "victim")["status"] == "failed");
    CHECK(job(r, "victim")["first_error"] ==
          "service `flaky` exited with code 3 while jobs that need it were pending or running: lost the disk");
    CHECK(job(r, "waiting")["status"] == "skipped");
    CHECK(count_processes("sleep 10.4141") == 0);
}

TEST_CASE("services are stopped on interrupt, with nothing left behind") {
    TempDir dir;
    auto file = dir.file("s.toml", R"T([jobs.svc]
kind = "process"
shell = "echo up; exec sleep 60.2525"
background = true
ready = { log = "up" }
kill_grace = "1s"
[jobs.long]
kind = "process"
needs = ["svc"]
command = ["sleep", "60.2525"]
)T");
    BackgroundGaia gaia({"run", file}, dir.path());
    REQUIRE(wait_for_processes("sleep 60.2525", 2) >= 2);
    gaia.signal(SIGINT);
    CHECK(gaia.wait(10) == 130);
    CHECK(count_processes("sleep 60.2525") == 0);
}
