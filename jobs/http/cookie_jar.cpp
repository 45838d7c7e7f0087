#include "jobs/http/cookie_jar.hpp"

#include "jobs/http/http_date.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

namespace gaia::jobs::http {
namespace {

constexpr std::int64_t kLongAgo = std::numeric_limits<std::int64_t>::min();

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_ip(const std::string& host) {
    unsigned char buffer[16];
    return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// RFC 6265 §5.1.3: the host is the domain, or ends with "." + domain (never for an IP).
bool domain_matches(const std::string& host, const std::string& domain) {
    if (host == domain) return true;
    return !is_ip(host) && host.size() > domain.size() && host.compare(host.size() - domain.size(), domain.size(), domain) == 0 &&
           host[host.size() - domain.size() - 1] == '.';
}

std::string request_path(const Url& url) { return url.target.substr(0, url.target.find('?')); }

// §5.1.4: the directory of the request's path.
std::string default_path(const std::string& path) {
    if (path.empty() || path.front() != '/') return "/";
    const auto last = path.rfind('/');
    return last == 0 ? "/" : path.substr(0, last);
}

bool path_matches(const std::string& request, const std::string& cookie) {
    if (request == cookie) return true;
    if (request.compare(0, cookie.size(), cookie) != 0) return false;
    return cookie.back() == '/' || (request.size() > cookie.size() && request[cookie.size()] == '/');
}

bool expired(const Cookie& c, std::int64_t now) { return c.expires && *c.expires <= now; }

}  // namespace

void CookieJar::store(const Url& url, std::string_view set_cookie, std::int64_t now) {
    const auto semicolon = set_cookie.find(';');
    const auto pair = set_cookie.substr(0, semicolon);
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) return;  // §5.2: no '=': the whole header is ignored
    Cookie c;
    c.name = std::string(trim(pair.substr(0, equals)));
    c.value = std::string(trim(pair.substr(equals + 1)));
    if (c.name.empty()) return;
    std::optional<std::string> domain;
    std::optional<std::int64_t> max_age, expires;
    bool path_given = false;
    std::string_view rest = semicolon == std::string_view::npos ? std::string_view() : set_cookie.substr(semicolon + 1);
    while (!rest.empty()) {
        const auto next = rest.find(';');
        const auto attribute = rest.substr(0, next);
        rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
        const auto eq = attribute.find('=');
        const auto name = lower(trim(attribute.substr(0, eq)));
        const auto value = eq == std::string_view::npos ? std::string_view() : trim(attribute.substr(eq + 1));
        if (name == "expires") {
            if (auto when = parse_http_date(value)) expires = *when;
        } else if (name == "max-age") {
            std::int64_t seconds = 0;
            const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            if (ec == std::errc() && end == value.data() + value.size()) max_age = seconds;
        } else if (name == "domain" && !value.empty()) {
            domain = lower(value.front() == '.' ? value.substr(1) : value);
        } else if (name == "path") {
            // §5.2.4: a Path that is not absolute means the default one.
            path_given = !value.empty() && value.front() == '/';
            if (path_given) c.path = std::string(value);
        } else if (name == "secure") {
            c.secure = true;
        } else if (name == "httponly") {
            c.http_only = true;
        }
    }
    if (!path_given) c.path = default_path(request_path(url));
    const std::string host = lower(url.host);
    if (domain) {
        // A Domain the host is not in, or one without a dot (a top-level domain), is refused.
        if (!domain_matches(host, *domain) || (domain->find('.') == std::string::npos && *domain != host)) return;
        c.domain = *domain;
        c.host_only = *domain == host;
    } else {
        c.domain = host;
    }
    if (max_age) c.expires = *max_age <= 0 ? kLongAgo : now + *max_age;  // Max-Age wins over Expires
    else if (expires) c.expires = *expires;
    if (c.secure && url.scheme != "https") return;  // only a secure origin may set a Secure cookie
    auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& o) {
        return o.name == c.name && o.domain == c.domain && o.path == c.path;
    });
    if (same != cookies_.end()) {
        c.created = same->created;  // a replaced cookie keeps its place in the order
        cookies_.erase(same);
    } else {
        c.created = next_created_++;
    }
    if (!expired(c, now)) cookies_.push_back(std::move(c));
}

// §5.4: the cookies a request to `url` sends, longer paths first, then the older cookie.
std::vector<const Cookie*> CookieJar::matching(const Url& url, std::int64_t now) const {
    const std::string host = lower(url.host), path = request_path(url);
    std::vector<const Cookie*> sent;
    for (const auto& c : cookies_) {
        if (expired(c, now) || (c.secure && url.scheme != "https")) continue;
        if (c.host_only ? host != c.domain : !domain_matches(host, c.domain)) continue;
        if (path_matches(path, c.path)) sent.push_back(&c);
    }
    std::stable_sort(sent.begin(), sent.end(), [](const Cookie* a, const Cookie* b) {
        return a->path.size() != b->path.size() ? a->path.size() > b->path.size() : a->created < b->created;
    });
    return sent;
}

std::string CookieJar::header_for(const Url& url, std::int64_t now) const {
    std::string out;
    for (const auto* c : matching(url, now)) out += (out.empty() ? "" : "; ") + c->name + "=" + c->value;
    return out;
}

std::optional<std::string> CookieJar::value_for(const Url& url, std::string_view name, std::int64_t now) const {
    for (const auto* c : matching(url, now)) {
        if (c->name == name) return c->value;  // the most specific one
    }
    return std::nullopt;
}

std::size_t CookieJar::load(std::string_view text, std::int64_t now) {
    std::size_t read = 0;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        bool http_only = false;
        if (line.rfind("#HttpOnly_", 0) == 0) {
            http_only = true;
            line.remove_prefix(10);
        } else if (line.empty() || line.front() == '#') {
            continue;
        }
        std::vector<std::string_view> fields;
        for (std::size_t at = 0;;) {
            const auto tab = line.find('\t', at);
            fields.push_back(line.substr(at, tab == std::string_view::npos ? std::string_view::npos : tab - at));
            if (tab == std::string_view::npos) break;
            at = tab + 1;
        }
        if (fields.size() != 7 || fields[5].empty()) continue;
        Cookie c;
        c.domain = lower(!fields[0].empty() && fields[0].front() == '.' ? fields[0].substr(1) : fields[0]);
        c.host_only = fields[1] != "TRUE";
        c.path = fields[2].empty() ? "/" : std::string(fields[2]);
        c.secure = fields[3] == "TRUE";
        std::int64_t expires = 0;
        std::from_chars(fields[4].data(), fields[4].data() + fields[4].size(), expires);
        if (expires != 0) c.expires = expires;  // 0: a session cookie
        c.name = std::string(fields[5]);
        c.value = std::string(fields[6]);
        c.http_only = http_only;
        c.created = next_created_++;
        if (expired(c, now)) continue;
        cookies_.push_back(std::move(c));
        ++read;
    }
    return read;
}

std::string CookieJar::save(std::int64_t now) const {
    std::string out = "# Netscape HTTP Cookie File\n# Written by gaia: the cookies of its last run.\n\n";
    for (const auto& c : cookies_) {
        if (expired(c, now)) continue;
        if (c.http_only) out += "#HttpOnly_";
        out += (c.host_only ? "" : ".") + c.domain + "\t" + (c.host_only ? "FALSE" : "TRUE") + "\t" + c.path + "\t" +
               (c.secure ? "TRUE" : "FALSE") + "\t" + std::to_string(c.expires.value_or(0)) + "\t" + c.name + "\t" +
               c.value + "\n";
    }
    return out;
}

}  // namespace gaia::jobs::http
