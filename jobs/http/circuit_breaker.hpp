#pragma once
// One host's circuit breaker: closed → open after `failures` consecutive failures →
// half-open once `open_for` has passed (one probe request goes) → closed when the probe
// succeeds, open again when it fails. While open, requests fail at once without touching
// the network. Time is injected (nanoseconds on the loop's clock), so tests need no sleep.

#include <cstdint>
#include <string>

namespace gaia::jobs::http {

class CircuitBreaker {
public:
    enum class State { closed = 0, half_open = 1, open = 2 };  // the values of the metric
    enum class Verdict { go, probe, wait, reject };

    CircuitBreaker(std::uint32_t failures, std::uint64_t open_for_ns)
        : threshold_(failures), open_for_ns_(open_for_ns) {}

    // May a request go now? `probe`: it goes as the one half-open probe; `wait`: a probe
    // is out, hold the request until its result; `reject`: fail it now.
    Verdict admit(std::uint64_t now_ns);
    // The result of a request that went. A cancelled request records nothing.
    void record(bool success, std::uint64_t now_ns);
    // The probe was cancelled before it had a result: the next request probes instead.
    void probe_abandoned() { probing_ = false; }

    State state(std::uint64_t now_ns) const;
    // Nanoseconds until an open breaker lets a probe through (0 unless open).
    std::uint64_t remaining_ns(std::uint64_t now_ns) const;
    std::uint32_t consecutive_failures() const noexcept { return failures_; }

private:
    std::uint32_t threshold_;
    std::uint64_t open_for_ns_;
    std::uint32_t failures_ = 0;
    bool open_ = false;
    bool probing_ = false;
    std::uint64_t opened_ns_ = 0;
};

}  // namespace gaia::jobs::http
