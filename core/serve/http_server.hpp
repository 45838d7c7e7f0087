#pragma once
// A small HTTP/1.1 server on libuv and http-parser, for gaia's monitoring endpoints
// (gaia-serve(1)): keep-alive, pipelined requests answered in order, HEAD, a Content-Length on
// every answer, `Connection: close` honoured, and limits that a hostile or broken client
// cannot get around — header size (431), body size (413), connections, the time a client
// may take to send its headers (slowloris: 408) or to stay idle between requests, and the
// answers it may leave unread (slow reading, or pipelining without reading).
// Bad requests get 400 and the connection closes; the server goes on.

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace gaia::serve {

struct HttpRequest {
    std::string method;  // "GET", "HEAD", "POST", …
    std::string path;    // without the query, exactly as sent
    std::string query;   // after '?', if any
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    std::string peer;    // "127.0.0.1:54321"
    std::string header(const std::string& lower_name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra ones
};

struct ServerLimits {
    std::size_t max_header_bytes = 16 * 1024;     // request line and headers
    std::size_t max_body_bytes = 1 << 20;
    std::size_t max_connections = 20'000;
    std::size_t max_pipelined = 32;               // requests parsed ahead of their answers
    // Answers written but not yet taken by the client (libuv's write queue). Past this, the
    // connection is not read and its parsed requests wait until the client has read half
    // of it: a client that pipelines and never reads costs this much, not all of gaia's
    // memory.
    std::size_t max_unsent_bytes = 1 << 20;
    std::chrono::milliseconds send_timeout{30'000};    // a client that takes nothing for this long is dropped
    std::chrono::milliseconds header_timeout{10'000};  // from a request's first byte to its last header
    std::chrono::milliseconds idle_timeout{60'000};    // keep-alive with no request
};

// Answers one request; `respond` may be called later (once), on any later turn.
using Handler = std::function<void(const HttpRequest& request, std::function<void(HttpResponse)> respond)>;

const char* status_text(int status);

class HttpServer {
public:
    HttpServer(loop::Loop& loop, ServerLimits limits, Handler handler);
    ~HttpServer();  // closes the listener and every connection
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Listens on "HOST:PORT" ("127.0.0.1:9190", "[::1]:9190", "0.0.0.0:0"): empty on
    // success, else what went wrong. Port 0 picks a free one (port() tells which).
    std::string listen(const std::string& address);
    int port() const noexcept { return port_; }
    std::size_t connections() const noexcept { return connections_.size(); }
    // Stops accepting and closes every connection.
    void close();

    class Connection;

private:
    friend class Connection;
    void accept(int status);
    void forget(Connection* connection);  // deleted on a later turn

    loop::Loop& loop_;
    ServerLimits limits_;
    Handler handler_;
    loop::HandlePtr<loop::Tcp> listener_;
    int port_ = 0;
    std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
};

}  // namespace gaia::serve
