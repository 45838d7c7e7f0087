#pragma once
// Addresses of a name, asynchronously, on a c-ares channel driven by the event loop
// (ares_channel.hpp), so a lookup blocks neither the loop nor
// a thread-pool thread. Answers carry their records' TTL. /etc/hosts is read first (as
// the C library does), then the servers: resolv.conf's, or the ones given.

#include "core/loop/loop.hpp"
#include "core/net/ares_channel.hpp"

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gaia::net {

struct DnsAnswer {
    std::string error;                        // empty on success: says what failed, for the user
    std::vector<sockaddr_storage> addresses;  // port 0; IPv4 and IPv6
    std::uint32_t ttl_s = 0;                  // the smallest TTL of the records
    bool from_hosts_file = false;             // /etc/hosts has no TTL
};

class DnsResolver {
public:
    using Done = std::function<void(DnsAnswer)>;

    // servers: "IP" or "IP:port" entries; empty: the system's resolv.conf. Throws
    // std::runtime_error when c-ares cannot start.
    DnsResolver(loop::Loop& loop, const std::vector<std::string>& servers,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(1000), int tries = 2);
    ~DnsResolver();
    DnsResolver(const DnsResolver&) = delete;
    DnsResolver& operator=(const DnsResolver&) = delete;

    // `done` comes on a later loop turn, never from inside resolve().
    void resolve(const std::string& name, Done done);
    // Pending lookups end without their callbacks; the handles close.
    void close();

private:
    struct Query;

    loop::Loop& loop_;
    AresChannel channel_;
};

}  // namespace gaia::net
