#include "core/loop/tcp.hpp"

#include "core/loop/uv_error.hpp"

#include <netinet/in.h>

namespace gaia::loop {

Tcp::Tcp(Loop& loop) {
    check_uv(uv_tcp_init(loop.get(), &handle_), "uv_tcp_init");
    mark_initialized();
}

HandlePtr<Tcp> Tcp::create(Loop& loop) { return HandlePtr<Tcp>(new Tcp(loop)); }

int Tcp::connect(const sockaddr& address, std::function<void(int)> done) {
    on_connect_ = std::move(done);
    connect_req_.data = this;
    const int rc = uv_tcp_connect(&connect_req_, &handle_, &address, [](uv_connect_t* req, int status) {
        auto* self = static_cast<Tcp*>(req->data);
        auto connected = std::move(self->on_connect_);
        self->on_connect_ = nullptr;
        // After close() the request ends with UV_ECANCELED and nobody is told.
        if (connected && !self->closing()) connected(status);
    });
    if (rc < 0) on_connect_ = nullptr;
    return rc;
}

int Tcp::listen(const sockaddr& address, int backlog, std::function<void(int)> on_connection) {
    if (int rc = uv_tcp_bind(&handle_, &address, 0); rc < 0) return rc;
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

}  // namespace gaia::loop
