#include "core/serve/monitoring.hpp"

#include "core/metrics/self_metrics.hpp"

namespace gaia::serve {
namespace {

// gaia's own process_* and build metrics come first, as in every Prometheus client.
metrics::Registry& with_self_metrics(metrics::Registry& registry) {
    metrics::register_self_metrics(registry);
    return registry;
}

}  // namespace

Monitoring::Monitoring(loop::Loop& loop, metrics::Registry& registry, const run::Kinds& kinds)
    : loop_(loop),
      registry_(with_self_metrics(registry)),
      lag_(loop, registry),
      run_metrics_(registry),
      health_(registry, kinds) {
    health_.set_loop_lag([this] { return lag_.last_lag_s(); });
}

std::string Monitoring::listen(const std::string& address, EndpointOptions options) {
    options.health = &health_;
    endpoints_ = std::make_unique<Endpoints>(loop_, registry_, [this] { return lag_.last_lag_s(); }, std::move(options));
    return endpoints_->listen(address);
}

void Monitoring::set_readiness(Readiness r) noexcept {
    if (endpoints_) endpoints_->set_readiness(r);
}

void Monitoring::close() {
    if (endpoints_) endpoints_->close();
    lag_.stop();
}

}  // namespace gaia::serve
