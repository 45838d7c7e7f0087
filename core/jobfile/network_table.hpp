#pragma once
// Compiling the [network] tables of a job set into NetworkSettings.

#include "core/jobfile/compile_context.hpp"
#include "core/jobfile/model.hpp"
#include "core/jobfile/network_settings.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobfile {

inline const std::vector<std::string_view> kNetworkKeys = {
    "bandwidth", "max_connections", "max_connections_per_host", "dns_cache_ttl", "dns_servers", "insecure",
    "ca_file", "proxy"};

// The objectives of `[slo.network]`: connections open, and the DNS cache's hit rate once
// there were lookups.
inline const std::vector<SloKey> kNetworkSloKeys = {
    {"max_connections", SloKey::Unit::count, 1000},
    {"dns_hit_rate", SloKey::Unit::ratio, 0.8},
};

// A DNS server as c-ares takes it — "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353"
// ("localhost" reads as 127.0.0.1) — or empty when `text` is not a numeric address with an
// optional port from 1. [network].dns_servers and a dns job's `server` are written alike.
std::optional<std::string> dns_server(std::string_view text);

// Merges the [network] tables of every file into one (the loader has already reported
// keys set twice with different values).
NetworkSettings compile_network(const std::vector<const toml::table*>& fragments, CompileContext& ctx);

}  // namespace gaia::jobfile
