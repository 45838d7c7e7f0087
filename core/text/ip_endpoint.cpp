#include "core/text/ip_endpoint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>

namespace gaia::text {

std::string IpEndpoint::text() const {
    if (!port) return host;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(*port);
}

sockaddr_storage IpEndpoint::socket_address() const {
    sockaddr_storage out{};
    if (v6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port.value_or(0));
        inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr);
    } else {
        auto* in = reinterpret_cast<sockaddr_in*>(&out);
        in->sin_family = AF_INET;
        in->sin_port = htons(port.value_or(0));
        inet_pton(AF_INET, host.c_str(), &in->sin_addr);
    }
    return out;
}

std::optional<IpEndpoint> parse_ip_endpoint(std::string_view text, PortRule rule, std::string* error) {
    const std::string written(text);
    std::string_view host = text, port;
    bool has_port = false;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || (close + 1 < text.size() && text[close + 1] != ':')) {
            *error = "`" + written + "` is not [IPv6]:PORT";
            return std::nullopt;
        }
        host = text.substr(1, close - 1);
        has_port = close + 1 < text.size();
        if (has_port) port = text.substr(close + 2);
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        // One colon separates a port; more are an IPv6 address without one.
        const auto colon = text.find(':');
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        has_port = true;
    }
    if (!has_port && rule == PortRule::required) {
        *error = "`" + written + "` has no :PORT";
        return std::nullopt;
    }
    IpEndpoint out;
    if (has_port) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
            *error = "`" + std::string(port) + "` is not a port";
            return std::nullopt;
        }
        out.port = static_cast<std::uint16_t>(value);
    }
    out.host = host == "localhost" ? "127.0.0.1" : std::string(host);
    unsigned char buffer[sizeof(in6_addr)];
    if (inet_pton(AF_INET, out.host.c_str(), buffer) == 1) return out;
    if (inet_pton(AF_INET6, out.host.c_str(), buffer) == 1) {
        out.v6 = true;
        return out;
    }
    *error = "`" + std::string(host) + "` is not a numeric IPv4 or IPv6 address";
    return std::nullopt;
}

}  // namespace gaia::text
