#include "core/jobfile/network_table.hpp"

#include "core/text/ip_endpoint.hpp"

#include <sys/stat.h>

namespace gaia::jobfile {

std::optional<std::string> dns_server(std::string_view text) {
    std::string error;
    const auto endpoint = text::parse_ip_endpoint(text, text::PortRule::optional, &error);
    if (!endpoint || endpoint->port == 0) return std::nullopt;
    return endpoint->text();
}

NetworkSettings compile_network(const std::vector<const toml::table*>& fragments, CompileContext& ctx) {
    NetworkSettings s;
    for (const auto* t : fragments) {
        ctx.check_keys(*t, kNetworkKeys, "[network]");
        if (const auto* n = t->get("bandwidth")) s.bandwidth = ctx.bandwidth(*n, "network.bandwidth");
        if (const auto* n = t->get("max_connections")) {
            if (auto v = ctx.integer(*n, "network.max_connections", 1, 1'000'000)) s.max_connections = static_cast<std::uint32_t>(*v);
        }
        if (const auto* n = t->get("max_connections_per_host")) {
            if (auto v = ctx.integer(*n, "network.max_connections_per_host", 1, 1'000'000)) {
                s.max_connections_per_host = static_cast<std::uint32_t>(*v);
            }
        }
        if (const auto* n = t->get("dns_cache_ttl")) s.dns_cache_ttl = ctx.duration(*n, "network.dns_cache_ttl").value_or(s.dns_cache_ttl);
        if (const auto* n = t->get("dns_servers")) {
            if (const auto* list = n->as_array()) {
                for (const auto& el : *list) {
                    auto server = ctx.static_text(el, "network.dns_servers");
                    if (!server) continue;
                    const auto address = dns_server(*server);
                    if (!address) {
                        ctx.error(el, "`network.dns_servers`: \"" + *server +
                                          "\" is not an IP address with an optional port (\"127.0.0.1:5353\", \"[::1]:53\")");
                        continue;
                    }
                    s.dns_servers.push_back(*address);
                }
            } else {
                ctx.error(*n, "`network.dns_servers` is a list of addresses, e.g. [\"127.0.0.1:5353\"]");
            }
        }
        if (const auto* n = t->get("insecure")) s.insecure = ctx.boolean(*n, "network.insecure").value_or(false);
        if (const auto* n = t->get("ca_file")) {
            if (auto path = ctx.static_text(*n, "network.ca_file")) {
                struct stat st {};
                if (::stat(path->c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
                    ctx.error(*n, "`network.ca_file`: no readable file \"" + *path + "\"");
                } else {
                    s.ca_file = *path;
                }
            }
        }
        if (const auto* n = t->get("proxy")) {
            if (auto proxy = ctx.static_text(*n, "network.proxy")) {
                if (proxy->find("://") == std::string::npos) {
                    ctx.error(*n, "`network.proxy` is a URL such as \"http://proxy:3128\", not \"" + *proxy + "\"");
                } else {
                    s.proxy = *proxy;
                }
            }
        }
    }
    return s;
}

}  // namespace gaia::jobfile
