#pragma once
// A blocking HTTP/1.1 GET over plain TCP, for `gaia top` reading a gaia serve's
// endpoints: one request per connection, a deadline for the whole exchange, the answer
// parsed with http-parser. Not a general client: no TLS, no redirects.

#include <chrono>
#include <optional>
#include <string>

namespace gaia::cli {

struct HttpUrl {
    std::string host;  // numeric IPv4/IPv6 or a name
    std::string port;
    std::string base_path;  // without a trailing slash
};

// "http://127.0.0.1:9190", "http://[::1]:9190/prefix", "localhost:9190"; nullopt and
// *error when it is not such a URL.
std::optional<HttpUrl> parse_http_url(const std::string& text, std::string* error);

struct HttpAnswer {
    int status = 0;
    std::string body;
};

// GETs base_path + path; nullopt and *error (connection refused, timed out, malformed
// answer) when no answer came.
std::optional<HttpAnswer> http_get(const HttpUrl& url, const std::string& path, std::chrono::milliseconds deadline,
                                   std::string* error);

}  // namespace gaia::cli
