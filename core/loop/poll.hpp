#pragma once
// Readiness of a socket that someone else reads and writes (libcurl's, c-ares'): the
// owner of one uv_poll_t.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <functional>

namespace gaia::loop {

class Poll final : public HandleOwner<uv_poll_t> {
public:
    // `status` is 0 or a negative uv error on the socket; `events` UV_READABLE | UV_WRITABLE.
    using Ready = std::function<void(int status, int events)>;

    // Watches `fd`; null and *error (a negative uv error) when libuv cannot.
    static HandlePtr<Poll> open_socket(Loop& loop, int fd, int* error);

    // (Re)starts watching for `events`, calling `ready` until stop() or close(). Returns a
    // negative uv error when libuv refuses (no callback then).
    int start(int events, Ready ready);
    int stop() noexcept;
    int fd() const noexcept { return fd_; }

private:
    explicit Poll(int fd) : fd_(fd) {}
    void on_close() noexcept override { ready_ = nullptr; }

    int fd_;
    Ready ready_;
};

}  // namespace gaia::loop
