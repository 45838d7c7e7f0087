// The c-ares resolver and the DNS cache on a real loop against a real DNS server (dnsmasq
// on loopback, started by the test).

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/metrics/registry.hpp"
#include "core/net/dns_cache.hpp"
#include "core/net/dns_resolver.hpp"
#include "tests/support/dnsmasq_server.hpp"
#include "tests/support/file_server.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace gaia;
using namespace std::chrono_literals;

namespace {

std::string ip_of(const sockaddr_storage& s) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (s.ss_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&s)->sin_addr, buf, sizeof buf);
    else inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&s)->sin6_addr, buf, sizeof buf);
    return buf;
}

struct Fixture {
    test::DnsmasqServer dns;
    loop::Loop loop;
    metrics::Registry registry;

    // Runs the loop for `ms` milliseconds (or until nothing is left, whichever is later).
    void wait(int ms) {
        auto t = loop::Timer::create(loop);
        t->start(std::chrono::milliseconds(ms), [] {});
        loop.run();
    }
};

}  // namespace

TEST_CASE("DNS: answers with their TTL, NXDOMAIN and silent servers as clear errors") {
    Fixture f;
    // A UDP socket that never answers: the resolver must give up, not hang.
    const int silent = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(silent, reinterpret_cast<sockaddr*>(&addr), &len);
    {
        net::DnsResolver resolver(f.loop, {f.dns.address()});
        net::DnsResolver mute(f.loop, {"127.0.0.1:" + std::to_string(ntohs(addr.sin_port))}, 200ms, 1);
        std::vector<net::DnsAnswer> got(4);
        bool inside = true;
        resolver.resolve("long.test", [&](net::DnsAnswer a) {
            CHECK_FALSE(inside);
            got[0] = std::move(a);
        });
        inside = false;
        resolver.resolve("short.test", [&](net::DnsAnswer a) { got[1] = std::move(a); });
        resolver.resolve("api.nx.test", [&](net::DnsAnswer a) { got[2] = std::move(a); });
        mute.resolve("long.test", [&](net::DnsAnswer a) { got[3] = std::move(a); });
        f.loop.run();
        REQUIRE(got[0].error.empty());
        REQUIRE(got[0].addresses.size() == 1);
        CHECK(ip_of(got[0].addresses[0]) == "10.0.0.2");
        CHECK(got[0].ttl_s > 3500);
        CHECK(got[1].ttl_s <= 1);
        CHECK(got[2].error == "Could not resolve host: api.nx.test (no such name (NXDOMAIN))");
        CHECK(got[3].error.find("Could not resolve host: long.test (no answer from 127.0.0.1:") == 0);
    }
    ::close(silent);
    CHECK(f.loop.close() == 0);
}

TEST_CASE("DNS cache: one query for many requests, hits until the TTL or dns_cache_ttl ends") {
    Fixture f;
    {
        net::DnsResolver resolver(f.loop, {f.dns.address()});
        net::DnsCache cache(f.loop, resolver, f.registry, 500ms);
        int answered = 0;
        auto count = [&](const net::DnsAnswer& a) {
            CHECK(a.error.empty());
            ++answered;
        };
        for (int i = 0; i < 10; ++i) cache.lookup("long.test", count);  // one query, shared
        f.loop.run();
        for (int i = 0; i < 10; ++i) cache.lookup("long.test", count);  // cached
        cache.lookup("short.test", count);
        f.loop.run();
        CHECK(answered == 21);
        CHECK(cache.misses() == 2);
        CHECK(cache.hits() == 19);
        const int long_queries = f.dns.queries_for("long.test");
        INFO(f.dns.log());
        // One lookup for the ten: c-ares asks A and AAAA (and asks an empty AAAA twice).
        CHECK(long_queries >= 1);
        CHECK(long_queries <= 3);

        // short.test's TTL (1 s) and dns_cache_ttl (500 ms, under long.test's hour) expire.
        f.wait(1200);
        cache.lookup("long.test", count);
        cache.lookup("short.test", count);
        cache.lookup("gone.nx.test", [&](const net::DnsAnswer& a) { CHECK(a.error.find("NXDOMAIN") != std::string::npos); });
        f.loop.run();
        CHECK(cache.misses() == 4);
        CHECK(cache.errors() == 1);
        CHECK(f.dns.queries_for("long.test") > long_queries);
        CHECK(f.registry.expose().find("gaia_network_dns_lookups_total{result=\"hit\"} 19") != std::string::npos);
    }
    CHECK(f.loop.close() == 0);
}

TEST_CASE("DNS cache: dns_cache_ttl 0 asks every time, /etc/hosts is honoured, IP literals skip DNS") {
    test::TempDir dir;
    loop::Loop loop;
    metrics::Registry registry;
    {
        net::DnsResolver system(loop, {});
        net::DnsCache cache(loop, system, registry, 0ms);
        std::vector<net::DnsAnswer> got;
        for (auto name : {"localhost", "localhost", "127.0.0.1", "[::1]"}) {
            cache.lookup(name, [&](const net::DnsAnswer& a) { got.push_back(a); });
            loop.run();
        }
        REQUIRE(got.size() == 4);
        CHECK(got[0].from_hosts_file);
        CHECK(std::any_of(got[0].addresses.begin(), got[0].addresses.end(),
                          [](const sockaddr_storage& s) { return ip_of(s) == "127.0.0.1" || ip_of(s) == "::1"; }));
        CHECK(cache.misses() == 2);  // no caching at 0s
        CHECK(ip_of(got[2].addresses.at(0)) == "127.0.0.1");
        CHECK(ip_of(got[3].addresses.at(0)) == "::1");
    }
    CHECK(loop.close() == 0);
}
