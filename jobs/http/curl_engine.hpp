#pragma once
// libcurl's multi_socket interface driven by the event loop: one
// CURLM per loop, one timer, one poll handle per socket libcurl asks to watch, context
// passed through CURLMOPT_*DATA and CURLOPT_PRIVATE, and curl_multi_info_read drained
// after every action. libcurl is never called from inside one of its own callbacks, and
// a transfer never completes synchronously.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/poll.hpp"
#include "core/loop/timer.hpp"
#include "core/net/network.hpp"

#include "jobs/http/curl_library.hpp"
#include "jobs/http/http_engine.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gaia::jobs::http {

class CurlEngine final : public HttpEngine {
public:
    // Throws std::runtime_error when libcurl cannot be loaded. network (may be null) sets
    // the connection limits and hears of every socket opened and closed.
    explicit CurlEngine(loop::Loop& loop, net::Network* network = nullptr);
    ~CurlEngine() override;
    CurlEngine(const CurlEngine&) = delete;
    CurlEngine& operator=(const CurlEngine&) = delete;

    std::uint64_t start(HttpRequest request, Done done) override;
    void cancel(std::uint64_t id) override;
    std::size_t in_flight() const noexcept override { return transfers_.size(); }
    void close() override;
    const char* name() const noexcept override { return "curl"; }

private:
    struct Transfer;

    static int on_curl_socket(CURL* easy, curl_socket_t fd, int what, void* engine, void* socket_poll);
    static int on_curl_timer(CURLM* multi, long timeout_ms, void* engine);
    void on_socket_ready(curl_socket_t fd, int uv_events, int status);
    void drain_messages();
    void finish(Transfer* t, CURLcode code);
    void resume(std::uint64_t id);
    static std::size_t on_curl_write(char* data, std::size_t size, std::size_t count, void* transfer);
    static curl_socket_t on_curl_open_socket(void* network, curlsocktype purpose, curl_sockaddr* address);
    static CURLcode on_curl_ssl_context(CURL* easy, void* ssl_ctx, void* user);
    static int on_curl_close_socket(void* network, curl_socket_t fd);
    static std::size_t on_curl_header(char* data, std::size_t size, std::size_t count, void* transfer);
    static std::size_t on_curl_read(char* buffer, std::size_t size, std::size_t count, void* transfer);

    loop::Loop& loop_;
    net::Network* network_;
    CURLM* multi_ = nullptr;
    loop::HandlePtr<loop::Timer> timer_;
    std::map<curl_socket_t, loop::HandlePtr<loop::Poll>> sockets_;
    std::map<std::uint64_t, std::unique_ptr<Transfer>> transfers_;
    std::uint64_t next_id_ = 1;
};

}  // namespace gaia::jobs::http
