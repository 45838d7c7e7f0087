#pragma once
// A wake-up of the loop from another thread (uv_async_t): send() may be called from any
// thread; libuv coalesces several sends into one callback on the loop thread.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <functional>

namespace gaia::loop {

class Async final : public HandleOwner<uv_async_t> {
public:
    static HandlePtr<Async> create(Loop& loop, std::function<void()> on_wake);
    // Thread-safe, but never after close(): callers on other threads serialize the two.
    void send() noexcept { uv_async_send(&handle_); }

private:
    Async(Loop& loop, std::function<void()> on_wake);
    void on_close() noexcept override { on_wake_ = nullptr; }
    static void on_uv_async(uv_async_t* a);

    std::function<void()> on_wake_;
};

}  // namespace gaia::loop
