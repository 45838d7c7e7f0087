#pragma once
// The run's cookie jar ([api].cookies = true): what Set-Cookie headers store and later
// requests send back, by RFC 6265's rules as browsers apply them — host-only and domain
// cookies, paths, Expires and Max-Age, Secure (sent over https only); HttpOnly is kept
// and written to the file but restricts nothing here (gaia is not a browser running
// scripts), and SameSite is ignored for the same reason. [api].cookie_file loads a jar
// in Netscape's format (curl's -b/-c, wget, browsers' exports) and saves it at the end.
// Not done: the public-suffix list (a Domain with no dot in it is refused instead).

#include "jobs/http/url.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gaia::jobs::http {

struct Cookie {
    std::string name, value;
    std::string domain;  // lower case, without a leading dot
    bool host_only = true;
    std::string path = "/";
    std::optional<std::int64_t> expires;  // seconds since the epoch; none: a session cookie
    bool secure = false;
    bool http_only = false;
    std::uint64_t created = 0;  // order of creation, for the Cookie header's order
};

class CookieJar {
public:
    // Stores one Set-Cookie header's cookie, received from `url` at `now`; a cookie the
    // rules refuse (a Domain the host is not in) is dropped, as browsers drop it.
    void store(const Url& url, std::string_view set_cookie, std::int64_t now);
    // The Cookie header's value for a request to `url` (empty: no cookie to send).
    std::string header_for(const Url& url, std::int64_t now) const;
    // The value of cookie `name` that a request to `url` would send.
    std::optional<std::string> value_for(const Url& url, std::string_view name, std::int64_t now) const;

    // Netscape's cookie file format. load() returns how many cookies it read: a line that
    // is not 7 tab-separated fields is skipped, as curl skips it; expired ones are dropped.
    std::size_t load(std::string_view text, std::int64_t now);
    std::string save(std::int64_t now) const;

    std::size_t size() const noexcept { return cookies_.size(); }

private:
    std::vector<const Cookie*> matching(const Url& url, std::int64_t now) const;

    std::vector<Cookie> cookies_;
    std::uint64_t next_created_ = 1;
};

}  // namespace gaia::jobs::http
