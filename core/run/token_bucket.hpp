#pragma once
// A token bucket on an injected clock (nanoseconds), for `rate` limits.

#include <cstdint>

namespace gaia::run {

class TokenBucket {
public:
    // rate: tokens per second; burst: the most tokens held (at least 1). Starts full.
    TokenBucket(double rate, double burst);

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
