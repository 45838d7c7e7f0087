#pragma once
// Following a redirect, the rules libcurl and browsers share: which statuses redirect,
// where the Location leads, which method and body go on (a 303, and a 301 or 302 after a
// POST, become a GET without a body; 307 and 308 keep both), and when credentials stay
// behind (the next URL is another origin). The http task follows each hop itself, so every
// hop goes through its own host's limits and the DNS cache, on the engine its scheme needs.

#include "jobs/http/http_engine.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobs::http {

inline constexpr std::size_t kMaxRedirects = 20;

// 301, 302, 303, 307 and 308; 300 and 304 are answers of their own.
bool is_redirect(long status) noexcept;

struct NextHop {
    std::string url;       // absolute
    std::string method;
    bool drop_body = false;
    bool other_origin = false;  // scheme, host or port changed
    bool downgrade = false;     // from https to http
};

// Where a redirect from `url` (requested with `method`) with `location` leads; empty, and
// *error says why, when the location is not an http:// or https:// URL.
std::optional<NextHop> next_hop(std::string_view url, const std::string& method, long status, std::string_view location,
                                 std::string* error);

// Headers that carry the first origin's credentials — Authorization and Cookie — removed.
void drop_credentials(std::vector<std::string>& headers);

}  // namespace gaia::jobs::http
