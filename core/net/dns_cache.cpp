#include "core/net/dns_cache.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace gaia::net {
namespace {

metrics::Family<metrics::Counter>& lookups(metrics::Registry& registry) {
    return registry.counter("gaia_network_dns_lookups_total",
                            "DNS lookups of HTTP transfers: hit (no query sent), miss (a query sent), error.",
                            {"result"});
}

}  // namespace

void DnsCache::register_metrics(metrics::Registry& registry) {
    for (const char* result : {"hit", "miss", "error"}) lookups(registry).with({result});
}

DnsCache::DnsCache(loop::Loop& loop, DnsResolver& resolver, metrics::Registry& registry, std::chrono::milliseconds max_ttl)
    : loop_(loop), resolver_(resolver), max_ttl_(max_ttl), hit_(lookups(registry).with({"hit"})),
      miss_(lookups(registry).with({"miss"})), error_(lookups(registry).with({"error"})) {}

bool DnsCache::literal(const std::string& name, sockaddr_storage* address) {
    *address = {};
    std::string host = name;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    auto* in = reinterpret_cast<sockaddr_in*>(address);
    if (inet_pton(AF_INET, host.c_str(), &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        return true;
    }
    auto* in6 = reinterpret_cast<sockaddr_in6*>(address);
    if (inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

void DnsCache::lookup(const std::string& name, Done done) {
    sockaddr_storage address;
    if (literal(name, &address)) {
        DnsAnswer answer;
        answer.addresses.push_back(address);
        loop_.post([done = std::move(done), answer = std::move(answer)] { done(answer); });
        return;
    }
    auto& entry = entries_[name];
    const auto now = loop_.now_ms();
    if (entry.pending) {
        // Another request asked first: this one rides on its query (counted when it ends).
        entry.waiters.push_back(std::move(done));
        return;
    }
    if (entry.expires_ms > now) {
        ++hits_;
        hit_.inc();
        loop_.post([done = std::move(done), answer = entry.answer] { done(answer); });
        return;
    }
    entry.pending = true;
    entry.waiters.push_back(std::move(done));
    resolver_.resolve(name, [this, name](DnsAnswer answer) { on_answer(name, std::move(answer)); });
}

void DnsCache::on_answer(const std::string& name, DnsAnswer answer) {
    auto it = entries_.find(name);
    if (it == entries_.end()) return;
    Entry& entry = it->second;
    auto waiters = std::move(entry.waiters);
    entry.waiters.clear();
    entry.pending = false;
    if (!answer.error.empty()) {
        // Failures are not kept: the next request asks again.
        errors_ += waiters.size();
        error_.inc(static_cast<double>(waiters.size()));
        entries_.erase(it);
    } else {
        // The first waiter sent the query; the others were spared one.
        ++misses_;
        miss_.inc();
        hits_ += waiters.size() - 1;
        hit_.inc(static_cast<double>(waiters.size() - 1));
        const auto ttl_ms = answer.from_hosts_file
                                ? static_cast<std::uint64_t>(max_ttl_.count())
                                : std::min<std::uint64_t>(static_cast<std::uint64_t>(answer.ttl_s) * 1000,
                                                          static_cast<std::uint64_t>(max_ttl_.count()));
        entry.answer = answer;
        entry.expires_ms = ttl_ms == 0 ? 0 : loop_.now_ms() + ttl_ms;
    }
    for (auto& done : waiters) done(answer);
}

}  // namespace gaia::net
