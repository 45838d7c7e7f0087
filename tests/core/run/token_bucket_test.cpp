#include "core/run/backoff.hpp"
#include "core/run/results.hpp"
#include "core/run/token_bucket.hpp"

#include <doctest/doctest.h>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::run;
using namespace std::chrono_literals;

TEST_CASE("a token bucket admits its burst, then the rate, on an injected clock") {
    TokenBucket bucket(10.0, 2.0);  // 10/s, burst 2
    std::uint64_t now = 1'000'000'000;
    CHECK(bucket.try_take(now));
    CHECK(bucket.try_take(now));
    CHECK_FALSE(bucket.try_take(now));
    CHECK(bucket.wait_ns(now) == 100'000'000);
    now += 50'000'000;
    CHECK_FALSE(bucket.try_take(now));
    now += 50'000'000;
    CHECK(bucket.try_take(now));
    // Over 10 simulated seconds the admitted count matches the rate.
    int admitted = 0;
    for (int ms = 0; ms < 10'000; ++ms) {
        now += 1'000'000;
        if (bucket.try_take(now)) ++admitted;
    }
    CHECK(admitted == doctest::Approx(100).epsilon(0.02));
}

TEST_CASE("backoff grows exponentially, is capped and jittered into [d/2, d]") {
    gaia::jobfile::RetryPolicy policy;
    policy.backoff = 100ms;
    policy.max_backoff = 1s;
    CHECK(backoff_delay(policy, 1, 0.999) <= gaia::jobfile::Duration(100ms));
    CHECK(backoff_delay(policy, 1, 0.0) == gaia::jobfile::Duration(50ms));
    CHECK(backoff_delay(policy, 3, 0.999) <= gaia::jobfile::Duration(400ms));
    CHECK(backoff_delay(policy, 3, 0.0) == gaia::jobfile::Duration(200ms));
    CHECK(backoff_delay(policy, 30, 0.999) <= gaia::jobfile::Duration(1s));
    CHECK(backoff_delay(policy, 30, 0.0) == gaia::jobfile::Duration(500ms));
}

TEST_CASE("percentiles use the nearest rank") {
    std::vector<float> sample;
    for (int i = 1; i <= 100; ++i) sample.push_back(static_cast<float>(i));
    CHECK(percentile(sample, 0.5) == 50);
    CHECK(percentile(sample, 0.95) == 95);
    CHECK(percentile(sample, 0.99) == 99);
    CHECK(percentile({}, 0.5) == 0);
}

TEST_CASE("a token bucket with catch-up reaches its rate although every wake-up is late") {
    // A caller that sleeps until the next token and wakes 1.5 ms late, as a millisecond
    // timer on a busy loop does: without catch-up it loses 1.5 ms per token (7% at 50/s).
    auto admitted_in_10s = [](std::uint64_t catch_up_ns) {
        TokenBucket bucket(50.0, 1.0, catch_up_ns);
        std::uint64_t now = 1'000'000'000;
        const std::uint64_t end = now + 10'000'000'000ull;
        int admitted = 0;
        while (now < end) {
            if (bucket.try_take(now)) {
                ++admitted;
                continue;
            }
            now += bucket.wait_ns(now) + 1'500'000;
        }
        return admitted;
    };
    CHECK(admitted_in_10s(0) < 475);
    CHECK(admitted_in_10s(kTimerCatchUpNs) == doctest::Approx(500).epsilon(0.01));
}

TEST_SUITE_END();
