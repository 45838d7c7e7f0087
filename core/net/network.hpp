#pragma once
// The network coordinator for one run ([network]): what every HTTP transfer
// shares whatever engine carries it — the DNS cache, the connection limits and their
// count, TLS and proxy settings — and the network's health for `gaia serve`.

#include "core/jobfile/network_settings.hpp"
#include "core/loop/loop.hpp"
#include "core/net/bandwidth.hpp"
#include "core/metrics/registry.hpp"
#include "core/net/dns_cache.hpp"
#include "core/net/dns_resolver.hpp"

#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace gaia::net {

struct NetworkHealth {
    bool throttled = false;          // transfers waited for the bandwidth budget lately
    double dns_hit_rate = 1.0;       // hits / lookups (1 when there were none)
    std::uint64_t dns_lookups = 0;
    std::uint64_t connections_open = 0;
    std::uint32_t max_connections = 0;
    double error_rate = 0;           // failed transfers / transfers
};

class Network {
public:
    Network(loop::Loop& loop, metrics::Registry& registry, jobfile::NetworkSettings settings);
    ~Network();
    Network(const Network&) = delete;
    Network& operator=(const Network&) = delete;

    const jobfile::NetworkSettings& settings() const noexcept { return settings_; }
    // Made on first use (c-ares reads resolv.conf): a run without names pays nothing.
    DnsCache& dns();
    Bandwidth& bandwidth() noexcept { return bandwidth_; }

    // Engines report every connection they open and close: one exact gauge for all.
    void connection_opened() noexcept;
    void connection_closed() noexcept;
    // Kinds that open connections themselves ask first: true when one more fits under
    // [network].max_connections now; otherwise `retry` comes once, on a later turn, after
    // a connection closes (and not after close()).
    bool room_for_connection(std::function<void()> retry);
    // Every finished transfer, for the error rate.
    void transfer_finished(bool failed) noexcept;

    NetworkHealth health() const;
    void close();

private:
    loop::Loop& loop_;
    metrics::Registry& registry_;
    jobfile::NetworkSettings settings_;
    std::unique_ptr<DnsResolver> resolver_;
    std::unique_ptr<DnsCache> cache_;
    Bandwidth bandwidth_;
    metrics::Gauge& connections_;
    std::uint64_t open_ = 0;
    std::deque<std::function<void()>> waiting_;  // room_for_connection() retries, first come first served
    std::uint64_t transfers_ = 0, failures_ = 0;
};

}  // namespace gaia::net
