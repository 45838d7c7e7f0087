// gaia run --listen: the monitoring endpoints while a one-shot run lasts, checked with
// curl and promtool against the real binary.

#include "tests/support/curl.hpp"
#include "tests/support/file_server.hpp"
#include "tests/support/subprocess.hpp"

#include <doctest/doctest.h>

#include <filesystem>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

using namespace gaia::test;

TEST_CASE("gaia run --listen serves /metrics, /liveness and /readiness while the run lasts") {
    TempDir dir;
    const ListenAddress listen;
    const std::string& base = listen.base;
    // The job runs until the test is done with the endpoints (a fixed sleep was too short
    // on a loaded machine).
    const auto done = dir.path() / "done";
    const auto file = dir.file("jobs.toml", "[jobs.wait]\nkind = \"process\"\ncommand = [\"sh\", \"-c\", \"while [ ! -e " +
                                                done.string() + " ]; do sleep 0.05; done\"]\n");
    BackgroundGaia gaia({"run", file, "--listen", listen.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(base), gaia.err());

    auto ready = curl({"-i", base + "/readiness"});
    CHECK(ready.out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(ready.out.find("{\"status\":\"ready\"}") != std::string::npos);
    auto live = curl({base + "/liveness"});
    CHECK(live.out.find("\"status\":\"alive\"") != std::string::npos);

    auto metrics = curl({base + "/metrics"});
    CHECK(metrics.out.find("gaia_tasks_in_flight{kind=\"process\"} 1") != std::string::npos);
    CHECK(metrics.out.find("gaia_build_info{version=") != std::string::npos);
    auto lint = run_program({"promtool", "check", "metrics"}, metrics.out);
    INFO(lint.out, lint.err);
    CHECK(lint.exit_code == 0);

    auto head = curl({"-I", base + "/metrics"});
    CHECK(head.out.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
    auto post = curl({"-i", "-X", "POST", base + "/metrics"});
    CHECK(post.out.rfind("HTTP/1.1 405", 0) == 0);
    CHECK(post.out.find("Allow: GET, HEAD\r\n") != std::string::npos);
    // The one-shot run's jobs and health are there too; starting a job on request is not.
    auto jobs = get_json(base + "/api/v1/jobs");
    REQUIRE(jobs["jobs"].size() == 1);
    CHECK(jobs["jobs"][0]["name"] == "wait");
    CHECK(jobs["jobs"][0]["running"] == true);
    auto health = get_json(base + "/health");
    CHECK(health["status"] == "healthy");
    CHECK(health["subsystems"]["process"]["active"] == 1);
    CHECK(http_code({"-X", "POST", base + "/api/v1/jobs/wait/run"}) == "409");
    for (const char* path : {"/nope", "/metrics/", "/metrics/../metrics", "/Metrics", "//metrics", "/health/",
                             "/health/nope", "/api/v1/jobs/", "/debug/loop"}) {
        INFO(path);
        auto r = curl({"-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", base + path});
        CHECK(r.out == "404");
    }

    dir.file("done", "");
    CHECK(gaia.wait(20) == 0);
    // The run is over: so are the endpoints.
    CHECK(curl({base + "/liveness"}).exit_code != 0);
}

TEST_CASE("gaia run --listen: readiness turns 503 while an interrupted run drains — bad addresses are usage errors") {
    TempDir dir;
    const ListenAddress listen;
    const std::string& base = listen.base;
    const auto trapped = dir.path() / "trapped";
    const auto file = dir.file("jobs.toml", "[jobs.slow]\nkind = \"process\"\ncommand = [\"sh\", \"-c\", \"trap '' TERM; touch " +
                                                trapped.string() + "; sleep 3\"]\nkill_grace = \"2s\"\n");
    BackgroundGaia gaia({"run", file, "--listen", listen.address}, dir.path());
    REQUIRE_MESSAGE(wait_until_up(base), gaia.err());
    // Interrupted once the job ignores SIGTERM: its drain then lasts kill_grace.
    REQUIRE(eventually([&] { return std::filesystem::exists(trapped); }, 5));
    gaia.signal(SIGINT);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto draining = curl({"-i", base + "/readiness"});
    CHECK(draining.out.rfind("HTTP/1.1 503", 0) == 0);
    CHECK(draining.out.find("{\"status\":\"draining\"}") != std::string::npos);
    CHECK(curl({"-o", "/dev/null", "-w", "%{http_code}", base + "/liveness"}).out == "200");
    CHECK(gaia.wait(20) == 130);

    const auto ok = dir.file("ok.toml", "[jobs.a]\nkind = \"process\"\ncommand = [\"true\"]\n");
    auto bad = run_gaia({"run", ok, "--listen", "example.com:80"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("--listen example.com:80: `example.com` is not a numeric IPv4 or IPv6 address") !=
          std::string::npos);
    // A port that is taken: the run does not start.
    FileServer server;
    const auto url = server.url("/");                       // http://127.0.0.1:PORT/
    const auto busy = url.substr(7, url.size() - 8);          // 127.0.0.1:PORT
    auto taken = run_gaia({"run", ok, "--listen", busy});
    CHECK(taken.exit_code == 2);
    CHECK(taken.err.find("--listen " + busy + ": cannot") != std::string::npos);
    CHECK(taken.err.find("address already in use") != std::string::npos);
}
