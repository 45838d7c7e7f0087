#include "jobs/http/circuit_breaker.hpp"
#include "jobs/http/retry_after.hpp"

#include <doctest/doctest.h>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::jobs::http;
using State = CircuitBreaker::State;
using Verdict = CircuitBreaker::Verdict;

TEST_CASE("a circuit breaker opens after N consecutive failures, probes once when half-open, then closes") {
    constexpr std::uint64_t s = 1'000'000'000;
    CircuitBreaker cb(3, 10 * s);
    std::uint64_t now = 100 * s;
    CHECK(cb.admit(now) == Verdict::go);
    cb.record(false, now);
    cb.record(false, now);
    cb.record(true, now);  // a success in between starts the count again
    cb.record(false, now);
    cb.record(false, now);
    CHECK(cb.state(now) == State::closed);
    cb.record(false, now);
    CHECK(cb.state(now) == State::open);
    CHECK(cb.admit(now + 5 * s) == Verdict::reject);
    CHECK(cb.remaining_ns(now + 4 * s) == 6 * s);

    now += 10 * s;
    CHECK(cb.state(now) == State::half_open);
    CHECK(cb.admit(now) == Verdict::probe);
    CHECK(cb.admit(now) == Verdict::wait);  // one probe at a time
    cb.record(false, now);                  // the probe failed: open for a whole period again
    CHECK(cb.state(now + 9 * s) == State::open);
    now += 10 * s;
    CHECK(cb.admit(now) == Verdict::probe);
    cb.probe_abandoned();                   // cancelled: the next request probes instead
    CHECK(cb.admit(now) == Verdict::probe);
    cb.record(true, now);
    CHECK(cb.state(now) == State::closed);
    CHECK(cb.admit(now) == Verdict::go);
    CHECK(cb.consecutive_failures() == 0);
}

TEST_CASE("Retry-After: seconds and the three HTTP-date forms") {
    const std::time_t now = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT
    CHECK(parse_retry_after("120", now) == 120.0);
    CHECK(parse_retry_after(" 0 ", now) == 0.0);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) == 10.0);
    CHECK(parse_retry_after("Sunday, 06-Nov-94 08:50:37 GMT", now) == 60.0);
    CHECK(parse_retry_after("Sun Nov  6 08:49:57 1994", now) == 20.0);
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now) == 0.0);  // in the past
    CHECK_FALSE(parse_retry_after("soon", now));
    CHECK_FALSE(parse_retry_after("", now));
    CHECK_FALSE(parse_retry_after("-5", now));
    CHECK_FALSE(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT trailing", now));
}

TEST_SUITE_END();
