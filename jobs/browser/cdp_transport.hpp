#pragma once
// CDP, layer 1 (docs/architecture.md): the pipe to Chromium's --remote-debugging-pipe.
// Messages are JSON texts ended by a NUL byte; gaia writes to the browser's fd 3 and reads
// its fd 4. A message may arrive in many reads and many messages in one: the transport
// buffers partial ones, up to a bound — a browser that sends more than max_message bytes
// without a NUL is treated as broken, not followed into unbounded memory.

#include "core/loop/pipe.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace gaia::jobs::browser {

class CdpTransport {
public:
    struct Handlers {
        std::function<void(std::string_view message)> on_message;
        // Once, when the pipe ends or breaks: the reason in words. `broken` is true when the
        // browser broke the protocol or the pipe failed (it may still be running); false
        // when the browser closed its end, which it does as it exits.
        std::function<void(const std::string& reason, bool broken)> on_closed;
    };

    // Takes ownership of both descriptors. Throws std::runtime_error if libuv cannot
    // use them.
    CdpTransport(loop::Loop& loop, int to_browser_fd, int from_browser_fd, std::size_t max_message, Handlers handlers);
    ~CdpTransport();
    CdpTransport(const CdpTransport&) = delete;
    CdpTransport& operator=(const CdpTransport&) = delete;

    // Queues one message (the NUL is added). False once the transport is closed.
    bool send(std::string message);
    bool open() const noexcept { return open_; }
    // Closes both pipes; on_closed is not called for a close asked for here.
    void close();

private:
    void on_data(std::string_view chunk);
    void fail(const std::string& reason, bool broken);

    loop::HandlePtr<loop::Pipe> to_browser_, from_browser_;
    std::size_t max_message_;
    Handlers handlers_;
    std::string partial_;
    bool open_ = true;
};

}  // namespace gaia::jobs::browser
