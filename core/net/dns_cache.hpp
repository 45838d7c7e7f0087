#pragma once
// Answers of the resolver kept for min(record TTL, dns_cache_ttl) (/etc/hosts answers,
// which have no TTL, for dns_cache_ttl), one lookup in flight per name however many
// requests ask for it meanwhile, and gaia_network_dns_lookups_total{result}: "hit" when no
// query had to be sent (a cached answer, or one already on its way), "miss" when one was,
// "error" when it failed. IP literals are not looked up at all.

#include "core/loop/loop.hpp"
#include "core/metrics/registry.hpp"
#include "core/net/dns_resolver.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace gaia::net {

class DnsCache {
public:
    using Done = std::function<void(const DnsAnswer&)>;

    // gaia_network_dns_lookups_total with its three results at zero: the cache itself is
    // made at the first lookup, but dashboards and alerts need the series from the start.
    static void register_metrics(metrics::Registry& registry);

    // max_ttl 0: every lookup goes to the resolver (still shared while in flight).
    DnsCache(loop::Loop& loop, DnsResolver& resolver, metrics::Registry& registry, std::chrono::milliseconds max_ttl);

    // `done` comes on a later loop turn.
    void lookup(const std::string& name, Done done);
    // An IP literal as an address (port 0), without a lookup.
    static bool literal(const std::string& name, sockaddr_storage* address);

    std::uint64_t hits() const noexcept { return hits_; }
    std::uint64_t misses() const noexcept { return misses_; }
    std::uint64_t errors() const noexcept { return errors_; }

private:
    struct Entry {
        DnsAnswer answer;
        std::uint64_t expires_ms = 0;  // on the loop's clock
        bool pending = false;
        std::vector<Done> waiters;
    };

    void on_answer(const std::string& name, DnsAnswer answer);

    loop::Loop& loop_;
    DnsResolver& resolver_;
    std::chrono::milliseconds max_ttl_;
    std::unordered_map<std::string, Entry> entries_;
    std::uint64_t hits_ = 0, misses_ = 0, errors_ = 0;
    metrics::Counter& hit_;
    metrics::Counter& miss_;
    metrics::Counter& error_;
};

}  // namespace gaia::net
