#include "core/run/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace gaia::run {

TokenBucket::TokenBucket(double rate, double burst, std::uint64_t catch_up_ns)
    : rate_per_ns_(rate / 1e9),
      burst_(std::max(1.0, burst) + static_cast<double>(catch_up_ns) * rate / 1e9),
      tokens_(std::max(1.0, burst)) {}

void TokenBucket::refill(std::uint64_t now_ns) {
    if (!started_) {
        started_ = true;
        last_ns_ = now_ns;
        return;
    }
    if (now_ns <= last_ns_) return;
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ns - last_ns_) * rate_per_ns_);
    last_ns_ = now_ns;
}

bool TokenBucket::try_take(std::uint64_t now_ns) {
    refill(now_ns);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

std::uint64_t TokenBucket::wait_ns(std::uint64_t now_ns) {
    refill(now_ns);
    if (tokens_ >= 1.0) return 0;
    return static_cast<std::uint64_t>(std::ceil((1.0 - tokens_) / rate_per_ns_));
}

}  // namespace gaia::run
