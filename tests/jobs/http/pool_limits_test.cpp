// The API client pool's limits end to end, measured at a real server: rates (global,
// per host, per job), the in-flight cap, circuit breakers and Retry-After.

#include "tests/support/misbehaving_server.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

using namespace gaia::test;
using nlohmann::json;

namespace {

// Requests per second that arrived in [from, to] seconds after the first one.
double rate_between(const std::vector<double>& arrivals, double start, double from, double to) {
    const auto n = std::count_if(arrivals.begin(), arrivals.end(),
                                 [&](double t) { return t - start >= from && t - start < to; });
    return static_cast<double>(n) / (to - from);
}

}  // namespace

TEST_CASE("rate limits hold within 5% over 10 seconds: global, per host and per job") {
    MisbehavingServer server;
    TempDir dir, other;
    const auto port = std::to_string(server.port());
    // Two runs side by side, each limit the one that binds in its run. The first: 60/s
    // for all requests, spread over two hosts.
    auto global = dir.file("global.toml", R"T([api]
rate = "60/s"
burst = 5
[jobs.a]
kind = "http"
repeat = 330
url = "http://127.0.0.1:)T" + port + R"T(/echo/global"
[jobs.b]
kind = "http"
repeat = 330
url = "http://localhost:)T" + port + R"T(/echo/global"
)T");
    BackgroundGaia first({"run", global}, other.path());
    // The second: localhost at 20/s, and a job that starts 10 instances a second.
    Output out;
    run_report(dir, R"T([api.hosts."LocalHost"]
rate = "20/s"
[jobs.host]
kind = "http"
repeat = 210
url = "http://localhost:)T" + port + R"T(/echo/host"
[jobs.paced]
kind = "http"
repeat = 105
rate = "10/s"
url = "http://127.0.0.1:)T" + port + R"T(/echo/paced"
)T", &out);
    INFO(out.err);
    CHECK(out.exit_code == 0);
    CHECK(first.wait(30) == 0);
    for (const auto& [path, rate] : {std::pair{"/echo/global", 60.0}, {"/echo/host", 20.0}, {"/echo/paced", 10.0}}) {
        const std::string route = path;  // CAPTURE cannot capture a structured binding
        CAPTURE(route);
        const auto arrivals = server.arrivals(path);
        REQUIRE(arrivals.size() > 100);
        const double start = arrivals.front();
        // The steady state: after the first burst, before the work runs out (about 10.5 s).
        CHECK(rate_between(arrivals, start, 1, 10) == doctest::Approx(rate).epsilon(kRateTolerance));
    }
}

TEST_CASE("max_clients queues requests, and the attempt timeout does not count the wait") {
    MisbehavingServer server;
    TempDir dir;
    auto run = run_with_metrics(dir, R"T([api]
max_clients = 1
[jobs.slow]
kind = "http"
repeat = 4
timeout = "700ms"
url = ")T" + server.url("/slow/300") + R"T("
)T");
    INFO(run.out.err);
    CHECK(run.out.exit_code == 0);  // the fourth waited 900 ms in the queue, yet passed
    CHECK(run.report["run"]["duration_s"].get<double>() >= 1.15);  // one at a time
    const auto& text = run.metrics;
    CHECK(text.find("gaia_api_queue_depth 0") != std::string::npos);
    CHECK(text.find("gaia_api_requests_in_flight 0") != std::string::npos);
}

TEST_CASE("a circuit breaker stops traffic to a failing host and a probe closes it again") {
    MisbehavingServer server;
    TempDir dir;
    auto run = run_with_metrics(dir, R"T([api]
circuit_breaker = { failures = 3, open_for = "1s" }
[jobs.down]
kind = "http"
repeat = 10
concurrency = 1
allow_failure = true
url = ")T" + server.url("/status/503") + R"T("
[jobs.pause]
kind = "process"
needs = ["down"]
command = ["sleep", "1.2"]
[jobs.recovered]
kind = "http"
needs = ["pause"]
url = ")T" + server.url("/echo") + R"T("
)T", {"-v"});
    const auto& out = run.out;
    INFO(out.err);
    CHECK(out.exit_code == 0);
    const auto& r = run.report;
    CHECK(job(r, "down")["failed"] == 10);
    CHECK(server.arrivals("/status/503").size() == 3);  // the other seven never left gaia
    CHECK(out.err.find("circuit open for 127.0.0.1 after 3 consecutive failures") != std::string::npos);
    CHECK(job(r, "recovered")["status"] == "passed");
    const auto& text = run.metrics;
    CHECK(text.find("gaia_api_circuit_breaker_state{host=\"127.0.0.1\"} 0") != std::string::npos);
    CHECK(text.find("gaia_api_requests_total{host=\"127.0.0.1\",method=\"GET\",code=\"503\"} 3") != std::string::npos);
}

TEST_CASE("429 and 503 are retried after Retry-After, seconds or HTTP-date, capped by max_backoff") {
    MisbehavingServer server;
    TempDir dir;
    Output out;
    auto r = run_report(dir, R"T([jobs.seconds]
kind = "http"
url = ")T" + server.url("/retry-after/a/1") + R"T("
retries = { attempts = 1, backoff = "10ms", max_backoff = "5s" }
[jobs.date]
kind = "http"
url = ")T" + server.url("/retry-after-date/b/2") + R"T("
retries = { attempts = 1, backoff = "10ms", max_backoff = "5s" }
[jobs.capped]
kind = "http"
url = ")T" + server.url("/retry-after/c/30") + R"T("
retries = { attempts = 1, backoff = "10ms", max_backoff = "300ms" }
[jobs.flaky]
kind = "http"
url = ")T" + server.url("/flaky/d/2") + R"T("
retries = { attempts = 2, backoff = "10ms" }
)T", &out);
    INFO(out.err);
    CHECK(out.exit_code == 0);
    auto gap = [&](const std::string& path) {
        auto a = server.arrivals(path);
        REQUIRE(a.size() == 2);
        return a[1] - a[0];
    };
    CHECK(gap("/retry-after/a/") >= 0.95);
    CHECK(gap("/retry-after-date/b/") >= 0.95);  // a date has whole seconds: 1 to 2 s
    CHECK(gap("/retry-after/c/") < 1.0);         // 30 s asked, 300 ms allowed
    CHECK(job(r, "flaky")["attempts"] == 3);
    CHECK(job(r, "flaky")["status"] == "passed");
}

TEST_CASE("timeouts count as failures for the circuit breaker") {
    MisbehavingServer server;
    TempDir dir;
    Output out;
    auto r = run_report(dir, R"T([api]
circuit_breaker = { failures = 2, open_for = "1m" }
[jobs.stalled]
kind = "http"
repeat = 4
concurrency = 1
timeout = "300ms"
url = ")T" + server.url("/stall-headers") + R"T("
)T", &out);
    INFO(out.err);
    CHECK(job(r, "stalled")["failed"] == 4);
    CHECK(server.arrivals("/stall-headers").size() == 2);
}
