#pragma once
// A TCP connection, or a listening socket: the owner of one uv_tcp_t. As with every
// stream, no callback runs after close().

#include "core/loop/stream.hpp"

#include <sys/socket.h>

#include <functional>

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

    // Binds `address` and listens; `on_connection` gets 0 (then accept() one) or a
    // negative uv error, for each connection that arrives, until close().
    int listen(const sockaddr& address, int backlog, std::function<void(int status)> on_connection);
    // Takes the next arriving connection into `client` (made with create()).
    int accept(Tcp& client) noexcept { return uv_accept(stream(), client.stream()); }
    // The port the socket is bound to (after listen() on port 0), or 0.
    int local_port() const noexcept;

private:
    explicit Tcp(Loop& loop);

    uv_connect_t connect_req_{};
    std::function<void(int)> on_connect_;
    std::function<void(int)> on_connection_;
};

}  // namespace gaia::loop
