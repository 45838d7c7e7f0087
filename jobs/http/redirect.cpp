#include "jobs/http/redirect.hpp"

#include "jobs/http/url.hpp"

#include <algorithm>

namespace gaia::jobs::http {

bool is_redirect(long status) noexcept {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<NextHop> next_hop(std::string_view url, const std::string& method, long status, std::string_view location,
                                std::string* error) {
    const auto from = parse_url(url);
    if (!from) {
        *error = "cannot follow a redirect from `" + std::string(url) + "`";
        return std::nullopt;
    }
    // A fragment names a part of the page; it is never sent.
    const auto target = resolve_location(*from, location.substr(0, location.find('#')));
    const auto to = parse_url(target);
    if (!to || (to->scheme != "http" && to->scheme != "https")) {
        *error = "the redirect to `" + target + "` (status " + std::to_string(status) +
                 ") does not lead to an http:// or https:// URL";
        return std::nullopt;
    }
    NextHop hop;
    hop.url = to->to_string();
    hop.method = method;
    if (status == 303 || ((status == 301 || status == 302) && method == "POST")) {
        if (method != "HEAD") hop.method = "GET";
        hop.drop_body = true;
    }
    hop.other_origin = to->scheme != from->scheme || to->host != from->host || to->port != from->port;
    hop.downgrade = from->scheme == "https" && to->scheme == "http";
    return hop;
}

void drop_credentials(std::vector<std::string>& headers) {
    headers.erase(std::remove_if(headers.begin(), headers.end(),
                                 [](const std::string& h) {
                                     const auto name = std::string_view(h).substr(0, h.find(':'));
                                     return iequals(name, "Authorization") || iequals(name, "Cookie");
                                 }),
                  headers.end());
}

}  // namespace gaia::jobs::http
