// What a cached DNS lookup costs a request: DnsCache::lookup of a name it holds, plus
// the completion on a later loop turn (what an HTTP task waits for), per lookup.
// Compared with getaddrinfo(3) of the same name (the C library reading /etc/hosts) for
// scale. Usage: gaia_bench_dns [NAME] [COUNT]
#include "core/loop/loop.hpp"
#include "core/metrics/registry.hpp"
#include "core/net/dns_cache.hpp"
#include "core/net/dns_resolver.hpp"

#include <netdb.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    using namespace gaia;
    const std::string name = argc > 1 ? argv[1] : "localhost";
    const long count = argc > 2 ? std::atol(argv[2]) : 1'000'000;
    loop::Loop loop;
    metrics::Registry registry;
    net::DnsResolver resolver(loop, {});
    net::DnsCache cache(loop, resolver, registry, std::chrono::minutes(5));
    bool ok = false;
    cache.lookup(name, [&](const net::DnsAnswer& a) { ok = a.error.empty(); });  // the miss
    loop.run();
    if (!ok) {
        std::fprintf(stderr, "cannot resolve %s\n", name.c_str());
        return 1;
    }
    long answered = 0;
    const auto start = std::chrono::steady_clock::now();
    // In batches, as requests come: a thousand lookups, then the loop turn that answers them.
    for (long done = 0; done < count; done += 1000) {
        for (int i = 0; i < 1000; ++i) cache.lookup(name, [&](const net::DnsAnswer&) { ++answered; });
        loop.run();
    }
    const double cached_ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / static_cast<double>(answered);

    const long libc_count = std::min(count, 100'000L);
    const auto libc_start = std::chrono::steady_clock::now();
    for (long i = 0; i < libc_count; ++i) {
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (getaddrinfo(name.c_str(), nullptr, &hints, &res) == 0) freeaddrinfo(res);
    }
    const double libc_ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - libc_start).count() /
                           static_cast<double>(libc_count);
    std::printf("%-44s %10.2f µs\n", ("cached lookup of " + name + " (gaia)").c_str(), cached_ns / 1000);
    std::printf("%-44s %10.2f µs\n", ("getaddrinfo(" + name + ") (libc)").c_str(), libc_ns / 1000);
    std::printf("gaia/libc: %.3f   hits: %llu\n", cached_ns / libc_ns, static_cast<unsigned long long>(cache.hits()));
    resolver.close();
    return loop.close() == 0 ? 0 : 1;
}
