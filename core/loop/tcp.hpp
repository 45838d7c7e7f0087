#pragma once
// A TCP connection, or a listening socket: the owner of one uv_tcp_t. As with every
// stream, no callback runs after close().

#include "core/loop/stream.hpp"

#include <sys/socket.h>

#include <functional>
#include <string>

namespace gaia::loop {

class Tcp final : public StreamOwner<uv_tcp_t> {
public:
    static HandlePtr<Tcp> create(Loop& loop);

    // Connects to `address`; `done` comes once with 0 or a negative uv error, on a later
    // loop turn, and not after close(). Returns a negative uv error when the connection
    // cannot even start (no callback then).
    int connect(const sockaddr& address, std::function<void(int status)> done);
    // Sends small writes at once (no Nagle delay).
    int no_delay() noexcept { return uv_tcp_nodelay(&handle_, 1); }

    // Binds `address` (an IPv6 one for IPv6 only) and listens; `on_connection` gets 0
    // (then accept() one) or a negative uv error, for each connection that arrives, until
    // close().
    int listen(const sockaddr& address, int backlog, std::function<void(int status)> on_connection);
    // Takes the next arriving connection into `client` (made with create()).
    int accept(Tcp& client) noexcept { return uv_accept(stream(), client.stream()); }
    // The port the socket is bound to (after listen() on port 0), or 0.
    int local_port() const noexcept;
    // The other end, "127.0.0.1:54321" or "[::1]:54321"; "?" when not connected.
    std::string peer_name() const;

private:
    explicit Tcp(Loop& loop);

    // A listener's; a connection's connect request lives only while it is under way, so
    // that the 10,000 connections a server may hold carry neither.
    std::function<void(int)> on_connection_;
};

}  // namespace gaia::loop
