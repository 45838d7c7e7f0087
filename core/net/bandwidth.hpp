#pragma once
// One byte budget for every HTTP transfer of a run ([network].bandwidth): a token bucket
// on the loop's clock. Each transfer has a Gate. A transfer moves bytes while the budget
// is positive; when it is spent, the transfer pauses (libcurl: CURL_WRITEFUNC_PAUSE; the
// lean engine: uv_read_stop) and queues. A 10 ms tick refills the budget and lets queued
// transfers go again in FIFO order, one grant each, so no transfer starves. Bytes are
// counted whether or not there is a limit (gaia_network_bytes_total{direction}), and
// time spent paused in gaia_network_throttle_wait_seconds_total.

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/metrics/registry.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace gaia::net {

class Bandwidth;

class Gate {
public:
    ~Gate();
    Gate(const Gate&) = delete;
    Gate& operator=(const Gate&) = delete;

    // May the transfer move bytes now? (A queued transfer that was let go may, once.)
    bool may_proceed() const noexcept;
    // Bytes moved (download: received; upload: sent).
    void consumed(std::size_t n, bool upload = false);
    // Pauses: `resume` comes on a later loop turn when bytes are there for this transfer.
    void wait(std::function<void()> resume);
    bool waiting() const noexcept { return static_cast<bool>(resume_); }

private:
    friend class Bandwidth;
    explicit Gate(Bandwidth& owner) : owner_(&owner) {}

    Bandwidth* owner_;
    std::function<void()> resume_;
    std::uint64_t waiting_since_ns_ = 0;
    bool granted_ = false;
};

class Bandwidth {
public:
    // bytes_per_second: nullopt for no limit (bytes are still counted).
    Bandwidth(loop::Loop& loop, metrics::Registry& registry, std::optional<double> bytes_per_second);
    ~Bandwidth();

    std::unique_ptr<Gate> gate() { return std::unique_ptr<Gate>(new Gate(*this)); }
    bool limited() const noexcept { return rate_.has_value(); }
    // Some transfer waited within the last 5 seconds.
    bool throttled_recently() const noexcept;
    void close();

private:
    friend class Gate;
    void refill(std::uint64_t now_ns);
    void tick();
    void enqueue(Gate* g);
    void remove(Gate* g);

    loop::Loop& loop_;
    std::optional<double> rate_;  // bytes per ns
    double capacity_ = 0;         // the most bytes held: 50 ms worth, at least 64 KiB
    double tokens_ = 0;
    std::uint64_t last_ns_ = 0;
    std::uint64_t last_wait_ns_ = 0;
    std::deque<Gate*> queue_;
    loop::HandlePtr<loop::Timer> timer_;
    metrics::Counter& down_;
    metrics::Counter& up_;
    metrics::Counter& wait_s_;
};

}  // namespace gaia::net
