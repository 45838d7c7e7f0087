#include "cli/http_get.hpp"

#include <http_parser.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace gaia::cli {
namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// Waits until fd is ready for `events`; false on timeout or error (errno set).
bool wait_for(int fd, short events, Clock::time_point until) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, remaining_ms(until));
        if (n > 0) return true;
        if (n == 0) {
            errno = ETIMEDOUT;
            return false;
        }
        if (errno != EINTR) return false;
    }
}

struct FdCloser {
    int fd;
    ~FdCloser() {
        if (fd >= 0) ::close(fd);
    }
};

struct Parsed {
    std::string body;
    bool complete = false;
};

}  // namespace

std::optional<HttpUrl> parse_http_url(const std::string& text, std::string* error) {
    std::string rest = text;
    if (rest.rfind("https://", 0) == 0) {
        *error = "gaia top speaks plain http:// only (gaia serve has no TLS)";
        return std::nullopt;
    }
    if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
    HttpUrl url;
    const auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    if (slash != std::string::npos) url.base_path = rest.substr(slash);
    while (!url.base_path.empty() && url.base_path.back() == '/') url.base_path.pop_back();
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string::npos) {
            *error = "`" + text + "`: an IPv6 address needs its closing ]";
            return std::nullopt;
        }
        url.host = authority.substr(1, close - 1);
        authority = authority.substr(close + 1);
        if (!authority.empty() && authority.front() == ':') url.port = authority.substr(1);
    } else {
        const auto colon = authority.rfind(':');
        url.host = authority.substr(0, colon);
        if (colon != std::string::npos) url.port = authority.substr(colon + 1);
    }
    if (url.port.empty()) url.port = "80";
    if (url.host.empty() || url.port.find_first_not_of("0123456789") != std::string::npos) {
        *error = "`" + text + "` is not an http://HOST:PORT URL";
        return std::nullopt;
    }
    return url;
}

std::optional<HttpAnswer> http_get(const HttpUrl& url, const std::string& path, std::chrono::milliseconds deadline,
                                   std::string* error) {
    const auto until = Clock::now() + deadline;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found); rc != 0) {
        *error = "cannot resolve " + url.host + ": " + ::gai_strerror(rc);
        return std::nullopt;
    }
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
    FdCloser sock{::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
    const std::string where = url.host + ":" + url.port;
    if (sock.fd < 0 ||
        (::connect(sock.fd, found->ai_addr, found->ai_addrlen) != 0 && errno != EINPROGRESS) ||
        !wait_for(sock.fd, POLLOUT, until)) {
        *error = "cannot connect to " + where + ": " + std::strerror(errno);
        return std::nullopt;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    if (so_error != 0) {
        *error = "cannot connect to " + where + ": " + std::strerror(so_error);
        return std::nullopt;
    }
    const std::string request = "GET " + url.base_path + path + " HTTP/1.1\r\nHost: " + where +
                                "\r\nUser-Agent: gaia-top\r\nConnection: close\r\n\r\n";
    std::size_t sent = 0;
    while (sent < request.size()) {
        const auto n = ::send(sock.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(sock.fd, POLLOUT, until)) break;
        } else {
            break;
        }
    }
    if (sent < request.size()) {
        *error = "cannot send to " + where + ": " + std::strerror(errno);
        return std::nullopt;
    }

    http_parser parser;
    http_parser_init(&parser, HTTP_RESPONSE);
    Parsed parsed;
    parser.data = &parsed;
    http_parser_settings settings;
    http_parser_settings_init(&settings);
    settings.on_body = [](http_parser* p, const char* at, std::size_t n) {
        static_cast<Parsed*>(p->data)->body.append(at, n);
        return 0;
    };
    settings.on_message_complete = [](http_parser* p) {
        static_cast<Parsed*>(p->data)->complete = true;
        return 0;
    };
    char buffer[16384];
    while (!parsed.complete) {
        if (!wait_for(sock.fd, POLLIN, until)) {
            *error = "no answer from " + where + " within " + std::to_string(deadline.count()) + " ms";
            return std::nullopt;
        }
        const auto n = ::recv(sock.fd, buffer, sizeof buffer, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) {
            *error = "cannot read from " + where + ": " + std::strerror(errno);
            return std::nullopt;
        }
        const auto used = http_parser_execute(&parser, &settings, buffer, static_cast<std::size_t>(n));
        if (parser.http_errno != HPE_OK || (n > 0 && used != static_cast<std::size_t>(n))) {
            *error = "malformed answer from " + where + ": " + http_errno_description(HTTP_PARSER_ERRNO(&parser));
            return std::nullopt;
        }
        if (n == 0 && !parsed.complete) {
            *error = where + " closed the connection before the answer was complete";
            return std::nullopt;
        }
    }
    return HttpAnswer{static_cast<int>(parser.status_code), std::move(parsed.body)};
}

}  // namespace gaia::cli
