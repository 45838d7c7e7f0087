// libFuzzer target: the lean HTTP/1.1 engine's response handling — its real connection
// code (libuv, http-parser, body bounds, keep-alive decisions) reading the input as what
// a server on loopback answered to a GET. The first byte says whether the server closes
// its end right after answering (bit 0) or only half-closes; the rest is the answer.
// Redirects are not followed: the input would choose where to connect.

#include "core/loop/loop.hpp"
#include "jobs/http/lean_engine.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

using namespace gaia;

namespace {

struct Peer;

struct Listener {
    loop::Loop loop;
    uv_tcp_t tcp{};
    int port = 0;
    std::string answer;
    bool close_after = false;
    Peer* peer = nullptr;

    Listener() {
        spdlog::set_level(spdlog::level::off);
        std::signal(SIGPIPE, SIG_IGN);
        uv_tcp_init(loop.get(), &tcp);
        tcp.data = this;
        sockaddr_in addr{};
        uv_ip4_addr("127.0.0.1", 0, &addr);
        if (uv_tcp_bind(&tcp, reinterpret_cast<const sockaddr*>(&addr), 0) != 0) __builtin_trap();
        if (uv_listen(reinterpret_cast<uv_stream_t*>(&tcp), 16, on_connection) != 0) __builtin_trap();
        sockaddr_storage bound{};
        int len = sizeof bound;
        uv_tcp_getsockname(&tcp, reinterpret_cast<sockaddr*>(&bound), &len);
        port = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    }
    static void on_connection(uv_stream_t* server, int status);
};

// One accepted connection: writes the answer, then half-closes or closes.
struct Peer {
    Listener* listener = nullptr;
    uv_tcp_t tcp{};
    uv_write_t write{};
    uv_shutdown_t shutdown{};
    std::string data;
    bool closed = false;
    char buf[4096];

    void close() {
        if (closed) return;
        closed = true;
        uv_close(reinterpret_cast<uv_handle_t*>(&tcp), [](uv_handle_t* h) {
            auto* p = static_cast<Peer*>(h->data);
            if (p->listener->peer == p) p->listener->peer = nullptr;
            delete p;
        });
    }
};

void Listener::on_connection(uv_stream_t* server, int status) {
    auto* self = static_cast<Listener*>(server->data);
    if (status != 0) return;
    auto* peer = new Peer;
    peer->listener = self;
    uv_tcp_init(self->loop.get(), &peer->tcp);
    peer->tcp.data = peer;
    if (uv_accept(server, reinterpret_cast<uv_stream_t*>(&peer->tcp)) != 0 || self->peer) {
        peer->close();  // one connection per input: a second one (a retry) is refused
        return;
    }
    self->peer = peer;
    peer->data = self->answer;
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(&peer->tcp),
        [](uv_handle_t* h, std::size_t, uv_buf_t* b) {
            auto* p = static_cast<Peer*>(h->data);
            *b = uv_buf_init(p->buf, sizeof p->buf);
        },
        [](uv_stream_t*, ssize_t, const uv_buf_t*) {});  // the request is read and dropped
    uv_buf_t b = uv_buf_init(peer->data.data(), static_cast<unsigned>(peer->data.size()));
    peer->write.data = self;
    uv_write(&peer->write, reinterpret_cast<uv_stream_t*>(&peer->tcp), &b, 1, [](uv_write_t* w, int) {
        auto* l = static_cast<Listener*>(w->data);
        if (!l->peer || l->peer->closed) return;
        if (l->close_after) {
            l->peer->close();
            return;
        }
        l->peer->shutdown.data = l;
        uv_shutdown(&l->peer->shutdown, reinterpret_cast<uv_stream_t*>(&l->peer->tcp), [](uv_shutdown_t*, int) {});
    });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Listener* listener = new Listener;  // lives for the whole fuzzing run
    if (size == 0) return 0;
    listener->close_after = data[0] & 1;
    listener->answer.assign(reinterpret_cast<const char*>(data + 1), size - 1);

    auto engine = std::make_unique<jobs::http::LeanEngine>(listener->loop);
    jobs::http::HttpRequest request;
    request.url = "http://127.0.0.1:" + std::to_string(listener->port) + "/fuzz";
    request.timeout_ms = 500;
    request.body_cap = 4096;
    bool done = false;
    engine->start(std::move(request), [&](jobs::http::HttpResponse) { done = true; });
    for (int i = 0; i < 100000 && !done; ++i) uv_run(listener->loop.get(), UV_RUN_ONCE);
    engine->close();
    engine.reset();
    if (listener->peer) listener->peer->close();
    for (int i = 0; i < 20 && listener->peer; ++i) uv_run(listener->loop.get(), UV_RUN_NOWAIT);
    listener->peer = nullptr;
    return 0;
}
