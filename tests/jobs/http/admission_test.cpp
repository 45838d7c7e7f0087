// The API pool's admission on a real loop: the in-flight caps (all hosts, one host), the
// queue and its metric, hosts taking turns, the token bucket's timer, the circuit breaker.

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/metrics/registry.hpp"
#include "jobs/http/admission.hpp"
#include "tests/support/report_helpers.hpp"

#include <doctest/doctest.h>

#include <deque>
#include <optional>
#include <vector>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia;
using namespace gaia::jobs::http;

namespace {

struct Fixture {
    loop::Loop loop;
    metrics::Registry registry;
    ApiConfig config;
    std::vector<std::string> order;  // hosts in the order their requests went
    std::vector<std::string> refusals;

    Admission::Go go(const std::string& host) {
        return [this, host](const std::string& refusal) {
            if (!refusal.empty()) {
                refusals.push_back(refusal);
                return;
            }
            order.push_back(host);
        };
    }
    double metric(const std::string& series) { return test::metric_value(registry.expose(), series); }
};

}  // namespace

TEST_CASE("admission caps requests in flight, queues the rest and lets hosts take turns") {
    Fixture f;
    f.config.limits.max_clients = 2;
    f.config.hosts["slow.example"].max_clients = 1;
    Admission admission(f.loop, f.config, f.registry);
    std::deque<Admission::Ticket> tickets;  // in the order of enqueue: slow 0-2, fast 3-5
    for (int i = 0; i < 3; ++i) admission.enqueue("slow.example", tickets.emplace_back(), f.go("slow.example"));
    for (int i = 0; i < 3; ++i) admission.enqueue("fast.example", tickets.emplace_back(), f.go("fast.example"));
    // slow.example may have one in flight; fast.example takes the second slot.
    CHECK(f.order == std::vector<std::string>{"slow.example", "fast.example"});
    CHECK(admission.queued() == 4);
    CHECK(f.metric("gaia_api_queue_depth") == 4);

    tickets[0].release(true);  // a slow.example request ends: its host is free again
    CHECK(f.order.back() == "slow.example");
    tickets[3].release(true);
    CHECK(f.order.back() == "fast.example");
    CHECK(admission.queued() == 2);
    // A waiting request that gives up leaves the queue; the others keep their places.
    tickets[5].release(std::nullopt);
    CHECK(admission.queued() == 1);
    // A ticket dropped without a word gives its place back too.
    tickets[2] = Admission::Ticket{};
    CHECK(admission.queued() == 0);
    admission.close();
    CHECK(f.loop.close() == 0);
}

TEST_CASE("admission holds requests for the token bucket and a timer lets them go") {
    Fixture f;
    f.config.limits.rate = jobfile::Rate{20.0, "20/s"};  // one every 50 ms
    f.config.limits.burst = 1;
    Admission admission(f.loop, f.config, f.registry);
    const auto start = loop::Loop::hrtime_ns();
    std::vector<std::uint64_t> went;
    std::deque<Admission::Ticket> tickets;
    for (int i = 0; i < 5; ++i) {
        admission.enqueue("h", tickets.emplace_back(), [&, i](const std::string&) {
            went.push_back(loop::Loop::hrtime_ns() - start);
            tickets[static_cast<std::size_t>(i)].release(true);
        });
    }
    CHECK(went.size() == 1);
    f.loop.run();
    REQUIRE(went.size() == 5);
    CHECK(went.back() >= 180'000'000);  // four more tokens at 50 ms each, less the catch-up
    CHECK(went.back() < 1'000'000'000);
    CHECK(f.metric("gaia_api_rate_limited_total{host=\"h\"}") == 4);
    admission.close();
    CHECK(f.loop.close() == 0);
}

TEST_CASE("an open circuit refuses at once, and half-open sends one probe and holds the rest") {
    Fixture f;
    f.config.circuit_breaker = CircuitBreakerConfig{2, std::chrono::milliseconds(100)};
    Admission admission(f.loop, f.config, f.registry);
    std::deque<Admission::Ticket> tickets;
    admission.enqueue("down", tickets.emplace_back(), f.go("down"));
    admission.enqueue("down", tickets.emplace_back(), f.go("down"));
    tickets[0].release(false);
    tickets[1].release(false);
    CHECK(f.metric("gaia_api_circuit_breaker_state{host=\"down\"}") == 2);
    admission.enqueue("down", tickets.emplace_back(), f.go("down"));
    REQUIRE(f.refusals.size() == 1);
    CHECK(f.refusals[0].find("circuit open for down after 2 consecutive failures") == 0);
    CHECK(f.order.size() == 2);  // no network traffic for the refused one

    // After open_for the metric shows half-open by itself, and one probe goes.
    auto wait = loop::Timer::create(f.loop);
    wait->start(std::chrono::milliseconds(150), [] {});
    f.loop.run();
    CHECK(f.metric("gaia_api_circuit_breaker_state{host=\"down\"}") == 1);
    admission.enqueue("down", tickets.emplace_back(), f.go("down"));
    admission.enqueue("down", tickets.emplace_back(), f.go("down"));
    CHECK(f.order.size() == 3);
    CHECK(admission.queued() == 1);
    tickets[3].release(true);  // the probe succeeded: closed, the held one goes
    CHECK(f.order.size() == 4);
    CHECK(f.metric("gaia_api_circuit_breaker_state{host=\"down\"}") == 0);
    wait.reset();
    admission.close();
    CHECK(f.loop.close() == 0);
}

TEST_SUITE_END();
