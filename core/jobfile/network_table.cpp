#include "core/jobfile/network_table.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <charconv>

namespace gaia::jobfile {
namespace {

// "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]:5353": an address c-ares can use directly.
bool valid_server(std::string_view text) {
    std::string_view host = text, port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos) return false;
        host = text.substr(1, close - 1);
        if (close + 1 < text.size()) {
            if (text[close + 1] != ':') return false;
            port = text.substr(close + 2);
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        host = text.substr(0, text.find(':'));
        port = text.substr(text.find(':') + 1);
    }
    unsigned char buf[sizeof(in6_addr)];
    const std::string h(host);
    if (inet_pton(AF_INET, h.c_str(), buf) != 1 && inet_pton(AF_INET6, h.c_str(), buf) != 1) return false;
    if (port.empty()) return true;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    return ec == std::errc() && end == port.data() + port.size() && value > 0 && value < 65536;
}

}  // namespace

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
                    if (!valid_server(*server)) {
                        ctx.error(el, "`network.dns_servers`: \"" + *server +
                                          "\" is not an IP address with an optional port (\"127.0.0.1:5353\", \"[::1]:53\")");
                        continue;
                    }
                    s.dns_servers.push_back(*server);
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
