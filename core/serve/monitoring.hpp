#pragma once
// What gaia shows of itself while it works, set up once for `gaia serve` and `gaia run`:
// its own metrics and the scheduler's, the event-loop lag, SLO health over the registered
// kinds' subsystems and, when asked to listen, the endpoints.

#include "core/metrics/loop_lag.hpp"
#include "core/run/kinds.hpp"
#include "core/run/run_metrics.hpp"
#include "core/serve/endpoints.hpp"
#include "core/serve/health.hpp"

#include <memory>
#include <string>

namespace gaia::serve {

class Monitoring {
public:
    Monitoring(loop::Loop& loop, metrics::Registry& registry, const run::Kinds& kinds);

    run::RunMetrics& run_metrics() noexcept { return run_metrics_; }
    Health& health() noexcept { return health_; }
    double max_loop_lag_s() const noexcept { return lag_.max_lag_s(); }

    // Serves the endpoints (with this health) on HOST:PORT, not yet ready; the problem
    // when it cannot.
    std::string listen(const std::string& address, EndpointOptions options);
    // /readiness, when listening.
    void set_readiness(Readiness r) noexcept;
    // The endpoints and the lag timer stop, so that the loop can end; what they measured
    // stays readable.
    void close();

private:
    loop::Loop& loop_;
    metrics::Registry& registry_;
    metrics::LoopLagMonitor lag_;
    run::RunMetrics run_metrics_;
    Health health_;
    std::unique_ptr<Endpoints> endpoints_;
};

}  // namespace gaia::serve
