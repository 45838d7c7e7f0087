// SLO health: the five-minute window and the verdicts against [slo.*] and the defaults.

#include "core/serve/health.hpp"
#include "core/serve/slo_window.hpp"
#include "core/run/kinds.hpp"
#include "jobs/registry.hpp"

#include <doctest/doctest.h>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;
using serve::HealthStatus;
using serve::SloWindow;

TEST_CASE("slo window: counts, success rate and p95 of the last five minutes only") {
    SloWindow w;
    CHECK(!w.summarize(0).success_rate);
    CHECK(!w.summarize(0).p95_s);
    // 100 tasks at t = 1 s: 90 fast passes, 10 slow failures.
    for (int i = 0; i < 90; ++i) w.record(1'000, true, 0.010);
    for (int i = 0; i < 10; ++i) w.record(1'000, false, 2.0);
    auto s = w.summarize(2'000);
    CHECK(s.passed == 90);
    CHECK(s.failed == 10);
    CHECK(*s.success_rate == doctest::Approx(0.9));
    // The 95th task is a 2 s one; the answer is the edge of its bucket: at most 25 % above.
    CHECK(*s.p95_s >= 2.0);
    CHECK(*s.p95_s <= 2.5);

    // 96 fast ones later make the p95 fast.
    for (int i = 0; i < 300; ++i) w.record(100'000, true, 0.010);
    s = w.summarize(100'000);
    CHECK(*s.p95_s >= 0.010);
    CHECK(*s.p95_s <= 0.0125);

    // Just under five minutes after the first ones they still count; then they are gone.
    CHECK(w.summarize(299'000).passed == 390);
    s = w.summarize(301'000);
    CHECK(s.passed == 300);
    CHECK(s.failed == 0);
    CHECK(*s.success_rate == 1.0);
    // Long after, nothing is left, even though the slots are reused.
    CHECK(w.summarize(10'000'000).passed == 0);
    w.record(10'000'000, false, 0.5);
    CHECK(w.summarize(10'000'000).failed == 1);
    CHECK(w.summarize(10'000'000).passed == 0);
}

TEST_CASE("slo window: extreme and odd durations land in the first or the last bucket") {
    SloWindow w;
    w.record(0, true, 0.0);
    w.record(0, true, -1.0);
    w.record(0, true, 1e12);
    auto s = w.summarize(0);
    CHECK(s.passed == 3);
    CHECK(*s.p95_s == doctest::Approx(SloWindow::bucket_upper_s(SloWindow::kBuckets - 1)));
}

namespace {

// The four kinds these verdicts are written for (the build may register more).
std::vector<const run::JobKind*> judged_kinds() {
    std::vector<const run::JobKind*> kinds;
    for (const char* name : {"http", "file", "browser", "process"}) kinds.push_back(run::find_kind(jobs::all_kinds(), name));
    return kinds;
}

struct Fixture {
    metrics::Registry registry;
    std::uint64_t now = 1'000'000;
    serve::Health health{registry, judged_kinds(), [this] { return now; }};
};

}  // namespace

TEST_CASE("health: the default objectives, degraded for one miss, unhealthy under half the success objective") {
    Fixture f;
    auto v = f.health.overall();
    CHECK(v.status == HealthStatus::healthy);
    CHECK(v.body["status"] == "healthy");
    CHECK(v.body["subsystems"].size() == 5);
    CHECK(v.body["subsystems"]["api"]["success_rate"].is_null());

    // api: 99 % objective by default. 98 passes in 100: degraded.
    for (int i = 0; i < 98; ++i) f.health.record_task("http", true, 0.01);
    for (int i = 0; i < 2; ++i) f.health.record_task("http", false, 0.01);
    v = f.health.subsystem("api");
    CHECK(v.status == HealthStatus::degraded);
    CHECK(v.body["reasons"][0] == "success rate 98.0% is under the objective of 99.0%");
    CHECK(f.health.overall().status == HealthStatus::degraded);
    CHECK(f.health.overall().body["reasons"][0] == "api is degraded");

    // file: 40 % success is under half of 99 %: unhealthy.
    for (int i = 0; i < 4; ++i) f.health.record_task("file", true, 0.01);
    for (int i = 0; i < 6; ++i) f.health.record_task("file", false, 0.01);
    CHECK(f.health.subsystem("file").status == HealthStatus::unhealthy);
    CHECK(f.health.overall().status == HealthStatus::unhealthy);

    // Five minutes later the window has forgotten them.
    f.now += 301'000;
    CHECK(f.health.overall().status == HealthStatus::healthy);
}

TEST_CASE("health: [slo.*] objectives replace the defaults — load and availability are judged too") {
    Fixture f;
    jobfile::SloSettings process;
    process.values = {{"success_rate", 0.5}, {"max_active", 2}, {"memory", 1000}};
    jobfile::SloSettings api;
    api.values = {{"p95", 0.020}};
    f.health.set_objectives({{"process", process}, {"api", api}});

    for (int i = 0; i < 6; ++i) f.health.record_task("process", true, 1.0);
    for (int i = 0; i < 4; ++i) f.health.record_task("process", false, 1.0);
    CHECK(f.health.subsystem("process").status == HealthStatus::healthy);  // 60 % against 50 %

    f.registry.gauge("gaia_process_active", "").with(metrics::LabelValues{}).set(3);
    auto v = f.health.subsystem("process");
    CHECK(v.status == HealthStatus::degraded);
    CHECK(v.body["active"] == 3);
    CHECK(v.body["reasons"][0] == "processes running 3 is over the objective of 2");
    f.registry.gauge("gaia_process_active", "").with(metrics::LabelValues{}).set(1);
    f.registry.gauge("gaia_process_memory_bytes", "").with(metrics::LabelValues{}).set(4096);
    CHECK(f.health.subsystem("process").status == HealthStatus::degraded);

    for (int i = 0; i < 10; ++i) f.health.record_task("http", true, 0.050);
    v = f.health.subsystem("api");
    CHECK(v.status == HealthStatus::degraded);
    CHECK(v.body["objective_p95_s"] == doctest::Approx(0.020));
    CHECK(v.body["reasons"][0].get<std::string>().rfind("p95 ", 0) == 0);

    // An open circuit breaker degrades the api subsystem.
    f.registry.gauge("gaia_api_circuit_breaker_state", "", {"host"}).with({"a.test"}).set(2);
    CHECK(f.health.subsystem("api").body["circuit_breakers_open"] == 1);

    // A subsystem that cannot work at all is unhealthy whatever its numbers.
    f.health.set_unavailable([](std::string_view s) { return s == "browser" ? std::string("no Chromium found") : ""; });
    v = f.health.subsystem("browser");
    CHECK(v.status == HealthStatus::unhealthy);
    CHECK(v.body["reasons"][0] == "no Chromium found");

    // The network: connections over the objective, DNS hit rate under it once there are lookups.
    CHECK(f.health.subsystem("network").body["dns_hit_rate"].is_null());
    auto& dns = f.registry.counter("gaia_network_dns_lookups_total", "", {"result"});
    dns.with({"hit"}).inc(7);
    dns.with({"miss"}).inc(3);
    CHECK(f.health.subsystem("network").status == HealthStatus::degraded);  // 70 % < 80 %
    dns.with({"hit"}).inc(10);
    CHECK(f.health.subsystem("network").status == HealthStatus::healthy);
    f.registry.gauge("gaia_network_connections_open", "").with(metrics::LabelValues{}).set(1001);
    CHECK(f.health.subsystem("network").status == HealthStatus::degraded);
}

TEST_CASE("health: a stalled event loop makes gaia unhealthy") {
    Fixture f;
    double lag = 0.002;
    f.health.set_loop_lag([&] { return lag; });
    CHECK(f.health.overall().status == HealthStatus::healthy);
    lag = 1.5;
    auto v = f.health.overall();
    CHECK(v.status == HealthStatus::unhealthy);
    CHECK(v.body["reasons"][0] == "the event loop is 1500 ms late");
}

TEST_CASE("health: each subsystem comes from its kind — its defaults, its load facts and its work") {
    Fixture f;
    std::vector<std::string> names;
    for (auto name : f.health.subsystems()) names.emplace_back(name);
    CHECK(names == std::vector<std::string>{"api", "file", "browser", "process", "network"});

    // The kind's declared default objectives, without any [slo.*].
    auto v = f.health.subsystem("api");
    CHECK(v.body["objective_success_rate"] == doctest::Approx(0.99));
    CHECK(v.body["objective_p95_s"] == doctest::Approx(0.100));
    CHECK(!f.health.subsystem("browser").body.contains("objective_p95_s"));
    CHECK(f.health.subsystem("process").body["objective_memory_bytes"] == 500u * 1024 * 1024);

    // What each subsystem has done, in its own unit, read from its kind's counter.
    f.registry.counter("gaia_api_requests_total", "", {"host"}).with({"a.test"}).inc(41);
    f.registry.counter("gaia_api_requests_total", "", {"host"}).with({"b.test"}).inc(1);
    v = f.health.subsystem("api");
    CHECK(v.body["work"]["unit"] == "HTTP requests");
    CHECK(v.body["work"]["total"] == doctest::Approx(42));
    f.registry.counter("gaia_network_bytes_total", "", {"direction"}).with({"in"}).inc(2048);
    CHECK(f.health.subsystem("network").body["work"]["total"] == doctest::Approx(2.0));
    for (const char* name : {"file", "browser", "process"}) {
        INFO(name);
        CHECK(f.health.subsystem(name).body["work"]["unit"].is_string());
    }

    // A task's kind names its subsystem; an unknown kind and an unknown subsystem count for nothing.
    f.health.record_task("browser", false, 1.0);
    f.health.record_task("nope", false, 1.0);
    CHECK(f.health.subsystem("browser").body["failed"] == 1);
    CHECK(f.health.subsystem("nope").status == HealthStatus::unhealthy);
    CHECK(f.health.overall().body["subsystems"].size() == 5);
}

TEST_SUITE_END();
