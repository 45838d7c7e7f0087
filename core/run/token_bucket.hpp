#pragma once
// A token bucket on an injected clock (nanoseconds), for `rate` limits.

#include <cstdint>

namespace gaia::run {

// What rate limits on the loop use as catch_up_ns: timers fire to the millisecond, and
// a wake-up is late by up to a millisecond or two.
inline constexpr std::uint64_t kTimerCatchUpNs = 20'000'000;

class TokenBucket {
public:
    // rate: tokens per second; burst: the most tokens held (at least 1). Starts full.
    // catch_up_ns: the bucket may hold the tokens of this much time beyond `burst`, so
    // that a caller woken late by a millisecond timer still reaches the rate on average
    // instead of losing the lateness of every wake-up.
    TokenBucket(double rate, double burst, std::uint64_t catch_up_ns = 0);

    // Takes a token if one is there at `now_ns`.
    bool try_take(std::uint64_t now_ns);
    // Nanoseconds from now_ns until a token is there (0 if one is).
    std::uint64_t wait_ns(std::uint64_t now_ns);

private:
    void refill(std::uint64_t now_ns);

    double rate_per_ns_;
    double burst_;
    double tokens_;
    std::uint64_t last_ns_ = 0;
    bool started_ = false;
};

}  // namespace gaia::run
