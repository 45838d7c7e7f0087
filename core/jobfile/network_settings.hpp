#pragma once
// The [network] table: what the network coordinator (core/net) enforces for
// every HTTP transfer. Not a job kind's table: core compiles it.

#include "core/jobfile/values.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobfile {

struct NetworkSettings {
    std::optional<double> bandwidth;            // bytes per second, all transfers together
    std::uint32_t max_connections = 1000;
    std::uint32_t max_connections_per_host = 100;
    Duration dns_cache_ttl = std::chrono::minutes(5);  // 0: no cache
    std::vector<std::string> dns_servers;        // "IP:port"; empty: resolv.conf and /etc/hosts
    bool insecure = false;                       // no TLS verification anywhere
    std::string ca_file;
    std::string proxy;
};

}  // namespace gaia::jobfile
