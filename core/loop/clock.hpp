#pragma once
// Where gaia reads the time. What measures or plans with time (the scheduler, gaia serve's
// job runner, the HTTP task) reads the clock it is given, so that a test can set the
// time itself instead of sleeping until it comes. Timers still wait on the loop's own
// clock: a ManualClock decides what time it is when code asks, not when a timer fires.

#include <chrono>
#include <cstdint>

namespace gaia::loop {

class Clock {
public:
    virtual ~Clock() = default;
    // Monotonic nanoseconds: durations, rates, latencies.
    virtual std::uint64_t monotonic_ns() const noexcept = 0;
    // The wall clock: schedules, report times, HTTP dates.
    virtual std::chrono::system_clock::time_point wall() const noexcept = 0;

    // The machine's clocks (uv_hrtime and the system clock).
    static const Clock& system() noexcept;
};

// A clock that moves only when told: for tests.
class ManualClock final : public Clock {
public:
    explicit ManualClock(std::chrono::system_clock::time_point wall = std::chrono::system_clock::now())
        : wall_(wall) {}

    std::uint64_t monotonic_ns() const noexcept override { return monotonic_ns_; }
    std::chrono::system_clock::time_point wall() const noexcept override { return wall_; }

    // Both clocks move on together.
    void advance(std::chrono::nanoseconds by) noexcept {
        monotonic_ns_ += static_cast<std::uint64_t>(by.count());
        wall_ += std::chrono::duration_cast<std::chrono::system_clock::duration>(by);
    }
    // The wall clock alone is set (NTP, a user, a restored VM); the monotonic one does not move.
    void set_wall(std::chrono::system_clock::time_point wall) noexcept { wall_ = wall; }

private:
    std::uint64_t monotonic_ns_ = 1'000'000'000;  // not 0: "not started" reads as 0 in places
    std::chrono::system_clock::time_point wall_;
};

}  // namespace gaia::loop
