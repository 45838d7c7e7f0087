#pragma once
// The parts of an http:// URL the lean engine needs, and redirect targets resolved
// against the URL they came from (RFC 3986 §5.2, for the forms servers send).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::jobs::http {

struct Url {
    std::string scheme;   // lower case
    std::string host;     // without brackets for IPv6
    std::uint16_t port = 0;
    std::string target;   // path and query, at least "/"
    bool has_userinfo = false;
    bool ipv6 = false;

    // "host" or "host:port" when the port is not the scheme's default: the Host header.
    std::string authority() const;
    std::string to_string() const;
};

std::optional<Url> parse_url(std::string_view text);
// A Location header's target: absolute, scheme-relative ("//h/p"), absolute-path or relative.
std::string resolve_location(const Url& base, std::string_view location);

}  // namespace gaia::jobs::http
