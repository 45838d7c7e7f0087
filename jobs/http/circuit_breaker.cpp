#include "jobs/http/circuit_breaker.hpp"

namespace gaia::jobs::http {

CircuitBreaker::State CircuitBreaker::state(std::uint64_t now_ns) const {
    if (!open_) return State::closed;
    if (probing_ || now_ns - opened_ns_ >= open_for_ns_) return State::half_open;
    return State::open;
}

std::uint64_t CircuitBreaker::remaining_ns(std::uint64_t now_ns) const {
    if (state(now_ns) != State::open) return 0;
    return open_for_ns_ - (now_ns - opened_ns_);
}

CircuitBreaker::Verdict CircuitBreaker::admit(std::uint64_t now_ns) {
    switch (state(now_ns)) {
    case State::closed: return Verdict::go;
    case State::open: return Verdict::reject;
    case State::half_open:
        if (probing_) return Verdict::wait;
        probing_ = true;
        return Verdict::probe;
    }
    return Verdict::go;
}

void CircuitBreaker::record(bool success, std::uint64_t now_ns) {
    if (success) {
        failures_ = 0;
        open_ = false;
        probing_ = false;
        return;
    }
    ++failures_;
    if (probing_ || (!open_ && failures_ >= threshold_)) {
        // A failed probe opens it again for a whole period.
        open_ = true;
        probing_ = false;
        opened_ns_ = now_ns;
    }
}

}  // namespace gaia::jobs::http
