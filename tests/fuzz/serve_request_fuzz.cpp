// libFuzzer target: gaia serve's request handling through the real code — the HTTP/1.1
// server's connections (http-parser, pipelining, limits, unread output) and the
// endpoints' routing, on a real loopback socket. The first byte of the input says how
// the client behaves: whether it reads the answers (bit 0) and whether it half-closes
// after sending (bit 1); the rest is what it sends. Limits are small so that every one
// of them is reached.

#include "core/loop/loop.hpp"
#include "core/metrics/registry.hpp"
#include "core/serve/endpoints.hpp"

#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>

using namespace gaia;

namespace {

struct Server {
    loop::Loop loop;
    metrics::Registry registry;
    std::unique_ptr<serve::Endpoints> endpoints;

    Server() {
        spdlog::set_level(spdlog::level::off);
        std::signal(SIGPIPE, SIG_IGN);
        registry.counter("fuzz_requests_total", "Requests.", {"path"}).with({"/"}).inc();
        serve::EndpointOptions options;
        options.jobs = [] { return nlohmann::json::parse(R"({"jobs": [{"name": "a", "runs": 1}]})"); };
        options.run_job = [](const std::string& job) {
            serve::HttpResponse r;
            r.status = job == "a" ? 202 : 404;
            r.body = std::string(3000, 'x');  // big enough to fill the small unsent allowance
            return r;
        };
        options.token = "fuzz-token-0123456789";
        options.limits.max_header_bytes = 1024;
        options.limits.max_body_bytes = 4096;
        options.limits.max_pipelined = 4;
        options.limits.max_unsent_bytes = 8192;
        options.limits.max_connections = 8;
        endpoints = std::make_unique<serve::Endpoints>(loop, registry, [] { return 0.0; }, options);
        if (!endpoints->listen("127.0.0.1:0").empty()) __builtin_trap();
        endpoints->set_readiness(serve::Readiness::ready);
    }
};

void pump(loop::Loop& loop) { uv_run(loop.get(), UV_RUN_NOWAIT); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Server* server = new Server;  // lives for the whole fuzzing run
    if (size == 0) return 0;
    const bool reads = data[0] & 1, half_close = data[0] & 2;
    const char* bytes = reinterpret_cast<const char*>(data + 1);
    std::size_t left = size - 1;

    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(server->endpoints->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    char sink[16384];
    bool closed_by_server = false;
    // Send, let the server work, read (or not), until the server is done with us or
    // nothing moves any more.
    for (int idle = 0, round = 0; idle < 20 && round < 2000 && !closed_by_server; ++round) {
        bool moved = false;
        if (left > 0) {
            const ssize_t n = ::send(fd, bytes, left, MSG_NOSIGNAL);
            if (n > 0) {
                bytes += n;
                left -= static_cast<std::size_t>(n);
                moved = true;
                if (left == 0 && half_close) ::shutdown(fd, SHUT_WR);
            }
        }
        pump(server->loop);
        if (reads) {
            const ssize_t n = ::recv(fd, sink, sizeof sink, 0);
            if (n == 0) closed_by_server = true;
            if (n > 0) moved = true;
        }
        idle = moved ? 0 : idle + 1;
    }
    ::close(fd);
    // The server notices the end of the connection and lets it go.
    for (int i = 0; i < 50; ++i) pump(server->loop);
    return 0;
}
