#include "core/metrics/loop_lag.hpp"

namespace gaia::metrics {

LoopLagMonitor::LoopLagMonitor(loop::Loop& loop, Registry& registry, std::chrono::milliseconds interval)
    : gauge_(registry.gauge("gaia_event_loop_lag_seconds", "How late the event loop ran a periodic timer, last sample.")
                 .with(LabelValues{})),
      timer_(loop::Timer::create(loop)), interval_(interval) {
    last_ns_ = loop::Loop::hrtime_ns();
    timer_->start_repeating(interval_, [this] {
        const auto now = loop::Loop::hrtime_ns();
        const double late = static_cast<double>(now - last_ns_) / 1e9 - static_cast<double>(interval_.count()) / 1e3;
        gauge_.set(late > 0 ? late : 0);
        if (late > max_) max_ = late;
        last_ns_ = now;
    });
    timer_->unref();
}

}  // namespace gaia::metrics
