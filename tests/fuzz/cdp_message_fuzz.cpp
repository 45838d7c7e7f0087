// libFuzzer target: decoding what a browser sends over the DevTools pipe — the
// transport's NUL framing and size bound, and the connection's parsing and routing of
// replies and events to pending calls and sessions. The input is the byte stream read
// from the browser's fd 4, written into a real pipe.

#include "core/loop/loop.hpp"
#include "jobs/browser/cdp_connection.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>

using namespace gaia;
using namespace gaia::jobs::browser;

namespace {

std::size_t open_handles(uv_loop_t* loop) {
    std::size_t n = 0;
    uv_walk(loop, [](uv_handle_t* h, void* count) { *static_cast<std::size_t*>(count) += !uv_is_closing(h); }, &n);
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // One loop for the whole run (setting one up per input cost more than the input).
    static loop::Loop& loop = *[] {
        spdlog::set_level(spdlog::level::off);
        std::signal(SIGPIPE, SIG_IGN);  // a write after the transport gave up fails with EPIPE
        return new loop::Loop;
    }();
    static const std::size_t baseline = open_handles(loop.get());
    int to_browser[2], from_browser[2];
    if (::pipe2(to_browser, O_CLOEXEC) != 0 || ::pipe2(from_browser, O_CLOEXEC | O_NONBLOCK) != 0) __builtin_trap();
    ::close(to_browser[0]);  // nothing reads what gaia would send: calls stay pending
    bool closed = false;
    std::unique_ptr<CdpConnection> connection;
    auto transport = std::make_unique<CdpTransport>(
        loop, to_browser[1], from_browser[0], 64 * 1024,
        CdpTransport::Handlers{[&](std::string_view message) { connection->on_message(message); },
                               [&](const std::string& reason, bool) {
                                   closed = true;
                                   connection->fail_all(reason);
                               }});
    connection = std::make_unique<CdpConnection>(loop, [](std::string) { return true; }, [] { return std::string("stderr"); });
    int replies = 0, events = 0;
    connection->on_event([&](const std::string&, const nlohmann::json&) { ++events; });
    connection->call("Browser.getVersion", nlohmann::json::object(), [&](CdpReply) { ++replies; });  // id 1
    auto session = connection->session("S1");
    session->on_event([&](const std::string&, const nlohmann::json& params) { events += params.is_object(); });
    session->call("Runtime.evaluate", {{"expression", "1"}}, [&](CdpReply) { ++replies; });  // id 2
    auto other = connection->session("S2");
    other->call("Page.navigate", {{"url", "about:blank"}}, [&](CdpReply) { ++replies; });  // id 3

    const char* bytes = reinterpret_cast<const char*>(data);
    std::size_t left = size;
    while (left > 0 && !closed) {
        const ssize_t n = ::write(from_browser[1], bytes, left);
        if (n > 0) {
            bytes += n;
            left -= static_cast<std::size_t>(n);
        }
        uv_run(loop.get(), UV_RUN_NOWAIT);
    }
    ::close(from_browser[1]);  // the browser's end: the transport reads to the end
    for (int i = 0; i < 1000 && !closed; ++i) uv_run(loop.get(), UV_RUN_ONCE);
    session.reset();
    other.reset();
    transport.reset();
    uv_run(loop.get(), UV_RUN_NOWAIT);  // failed calls are answered on a later turn
    connection.reset();
    for (int i = 0; i < 3; ++i) uv_run(loop.get(), UV_RUN_NOWAIT);
    if (open_handles(loop.get()) != baseline) __builtin_trap();  // every handle closed: nothing leaked
    return 0;
}
