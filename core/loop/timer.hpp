#pragma once
// A one-shot or repeating timer on the loop clock.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <chrono>
#include <functional>

namespace gaia::loop {

class Timer final : public HandleOwner<uv_timer_t> {
public:
    static HandlePtr<Timer> create(Loop& loop);

    // Restarts the timer; the previous callback is dropped.
    void start(std::chrono::milliseconds after, std::function<void()> on_fire);
    void start_repeating(std::chrono::milliseconds interval, std::function<void()> on_fire);
    void stop() noexcept;
    bool active() const noexcept;

private:
    explicit Timer(Loop& loop);
    void on_close() noexcept override { on_fire_ = nullptr; }
    static void on_uv_timer(uv_timer_t* t);

    std::function<void()> on_fire_;
};

}  // namespace gaia::loop
