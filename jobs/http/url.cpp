#include "jobs/http/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace gaia::jobs::http {
namespace {

std::uint16_t default_port(const std::string& scheme) { return scheme == "https" ? 443 : 80; }

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// "http:", "mailto:", "javascript:" — RFC 3986's scheme, before any '/', '?' or '#': an
// absolute reference, whatever follows.
bool has_scheme(std::string_view reference) {
    const auto colon = reference.find(':');
    if (colon == std::string_view::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(reference[0]))) return false;
    return std::all_of(reference.begin(), reference.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
}

}  // namespace

std::string Url::authority() const {
    std::string out = ipv6 ? "[" + host + "]" : host;
    if (port != default_port(scheme)) out += ":" + std::to_string(port);
    return out;
}

std::string Url::to_string() const { return scheme + "://" + authority() + target; }

std::optional<Url> parse_url(std::string_view text) {
    Url url;
    const auto colon_slashes = text.find("://");
    if (colon_slashes == std::string_view::npos || colon_slashes == 0) return std::nullopt;
    url.scheme = lower(text.substr(0, colon_slashes));
    text.remove_prefix(colon_slashes + 3);
    const auto end = text.find_first_of("/?#");
    std::string_view authority = text.substr(0, end);
    std::string_view rest = end == std::string_view::npos ? std::string_view{} : text.substr(end);
    rest = rest.substr(0, rest.find('#'));  // a fragment is never sent
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        url.has_userinfo = true;
        authority.remove_prefix(at + 1);
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        url.ipv6 = true;
        url.host = lower(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return std::nullopt;
            port_text = authority.substr(close + 2);
        }
    } else {
        const auto colon = authority.find(':');
        url.host = lower(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (url.host.empty()) return std::nullopt;
    url.port = default_port(url.scheme);
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc() || p != port_text.data() + port_text.size() || value == 0 || value > 65535) return std::nullopt;
        url.port = static_cast<std::uint16_t>(value);
    }
    url.target = rest.empty() || rest.front() == '?' ? "/" + std::string(rest) : std::string(rest);
    return url;
}

std::string resolve_location(const Url& base, std::string_view location) {
    if (has_scheme(location)) return std::string(location);
    if (location.rfind("//", 0) == 0) return base.scheme + ":" + std::string(location);
    const std::string origin = base.scheme + "://" + base.authority();
    if (!location.empty() && location.front() == '/') return origin + std::string(location);
    // Relative to the base's directory; a query-only reference keeps the path.
    const std::string path = base.target.substr(0, base.target.find('?'));
    if (!location.empty() && location.front() == '?') return origin + path + std::string(location);
    return origin + path.substr(0, path.rfind('/') + 1) + std::string(location);
}

}  // namespace gaia::jobs::http
