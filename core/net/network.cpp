#include "core/net/network.hpp"

namespace gaia::net {

Network::Network(loop::Loop& loop, metrics::Registry& registry, jobfile::NetworkSettings settings)
    : loop_(loop), registry_(registry), settings_(std::move(settings)),
      bandwidth_(loop, registry, settings_.bandwidth),
      connections_(registry.gauge("gaia_network_connections_open", "Connections open by HTTP transfers.")
                       .with(metrics::LabelValues{})) {
    DnsCache::register_metrics(registry);
}

Network::~Network() { close(); }

DnsCache& Network::dns() {
    if (!cache_) {
        resolver_ = std::make_unique<DnsResolver>(loop_, settings_.dns_servers);
        cache_ = std::make_unique<DnsCache>(
            loop_, *resolver_, registry_, std::chrono::duration_cast<std::chrono::milliseconds>(settings_.dns_cache_ttl));
    }
    return *cache_;
}

void Network::connection_opened() noexcept {
    ++open_;
    connections_.set(static_cast<double>(open_));
}

void Network::connection_closed() noexcept {
    if (open_ > 0) --open_;
    connections_.set(static_cast<double>(open_));
    if (!waiting_.empty()) {
        loop_.post(std::move(waiting_.front()));
        waiting_.pop_front();
    }
}

bool Network::room_for_connection(std::function<void()> retry) {
    if (settings_.max_connections == 0 || open_ < settings_.max_connections) return true;
    waiting_.push_back(std::move(retry));
    return false;
}

void Network::transfer_finished(bool failed) noexcept {
    ++transfers_;
    if (failed) ++failures_;
}

NetworkHealth Network::health() const {
    NetworkHealth h;
    if (cache_) {
        h.dns_lookups = cache_->hits() + cache_->misses() + cache_->errors();
        if (h.dns_lookups > 0) h.dns_hit_rate = static_cast<double>(cache_->hits()) / static_cast<double>(h.dns_lookups);
    }
    h.throttled = bandwidth_.throttled_recently();
    h.connections_open = open_;
    h.max_connections = settings_.max_connections;
    h.error_rate = transfers_ == 0 ? 0.0 : static_cast<double>(failures_) / static_cast<double>(transfers_);
    return h;
}

void Network::close() {
    waiting_.clear();
    bandwidth_.close();
    cache_.reset();
    if (resolver_) resolver_->close();
    resolver_.reset();
}

}  // namespace gaia::net
