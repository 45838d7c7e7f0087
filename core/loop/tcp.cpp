#include "core/loop/tcp.hpp"

#include "core/loop/uv_error.hpp"

#include <netinet/in.h>

#include <memory>

namespace gaia::loop {

Tcp::Tcp(Loop& loop) {
    check_uv(uv_tcp_init(loop.get(), &handle_), "uv_tcp_init");
    mark_initialized();
}

HandlePtr<Tcp> Tcp::create(Loop& loop) { return HandlePtr<Tcp>(new Tcp(loop)); }

int Tcp::connect(const sockaddr& address, std::function<void(int)> done) {
    struct Request {
        uv_connect_t req{};
        std::function<void(int)> done;
    };
    auto* r = new Request{{}, std::move(done)};
    r->req.data = r;
    const int rc = uv_tcp_connect(&r->req, &handle_, &address, [](uv_connect_t* req, int status) {
        std::unique_ptr<Request> owned(static_cast<Request*>(req->data));
        // After close() the request ends with UV_ECANCELED, while the owner is still alive
        // (it goes in the close callback), and nobody is told.
        auto* self = static_cast<Tcp*>(static_cast<HandleOwner*>(req->handle->data));
        if (owned->done && !self->closing()) owned->done(status);
    });
    if (rc < 0) delete r;
    return rc;
}

int Tcp::listen(const sockaddr& address, int backlog, std::function<void(int)> on_connection) {
    // [::] means IPv6 alone, as it reads: 0.0.0.0 is a listener of its own.
    const unsigned flags = address.sa_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0;
    if (int rc = uv_tcp_bind(&handle_, &address, flags); rc < 0) return rc;
    on_connection_ = std::move(on_connection);
    const int rc = uv_listen(stream(), backlog, [](uv_stream_t* server, int status) {
        auto* self = static_cast<Tcp*>(static_cast<HandleOwner*>(server->data));
        if (!self->closing() && self->on_connection_) self->on_connection_(status);
    });
    if (rc < 0) on_connection_ = nullptr;
    return rc;
}

int Tcp::local_port() const noexcept {
    sockaddr_storage address{};
    int length = sizeof address;
    if (uv_tcp_getsockname(&handle_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
    if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    return 0;
}

std::string Tcp::peer_name() const {
    sockaddr_storage address{};
    int length = sizeof address;
    if (uv_tcp_getpeername(&handle_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
    char host[INET6_ADDRSTRLEN] = "?";
    if (address.ss_family == AF_INET6) {
        const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
        uv_ip6_name(v6, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(ntohs(v6->sin6_port));
    }
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    uv_ip4_name(v4, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(v4->sin_port));
}

}  // namespace gaia::loop
