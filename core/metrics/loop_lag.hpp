#pragma once
// gaia_event_loop_lag_seconds: how late a periodic timer fires. A loop blocked by some
// callback shows up here long before anything else notices.

#include "core/loop/timer.hpp"
#include "core/metrics/registry.hpp"

namespace gaia::metrics {

class LoopLagMonitor {
public:
    LoopLagMonitor(loop::Loop& loop, Registry& registry, std::chrono::milliseconds interval = std::chrono::milliseconds(100));
    double last_lag_s() const noexcept { return gauge_.value(); }
    double max_lag_s() const noexcept { return max_; }
    void stop() { timer_.reset(); }

private:
    Gauge& gauge_;
    loop::HandlePtr<loop::Timer> timer_;
    std::uint64_t last_ns_ = 0;
    std::chrono::milliseconds interval_;
    double max_ = 0;
};

}  // namespace gaia::metrics
