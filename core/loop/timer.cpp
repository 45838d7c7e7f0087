#include "core/loop/timer.hpp"

#include "core/loop/uv_error.hpp"

namespace gaia::loop {

Timer::Timer(Loop& loop) {
    check_uv(uv_timer_init(loop.get(), &handle_), "uv_timer_init");
    mark_initialized();
}

HandlePtr<Timer> Timer::create(Loop& loop) { return HandlePtr<Timer>(new Timer(loop)); }

void Timer::start(std::chrono::milliseconds after, std::function<void()> on_fire) {
    on_fire_ = std::move(on_fire);
    auto ms = after.count() < 0 ? 0 : static_cast<std::uint64_t>(after.count());
    check_uv(uv_timer_start(&handle_, on_uv_timer, ms, 0), "uv_timer_start");
}

void Timer::start_repeating(std::chrono::milliseconds interval, std::function<void()> on_fire) {
    on_fire_ = std::move(on_fire);
    auto ms = interval.count() < 1 ? 1 : static_cast<std::uint64_t>(interval.count());
    check_uv(uv_timer_start(&handle_, on_uv_timer, ms, ms), "uv_timer_start");
}

void Timer::stop() noexcept { uv_timer_stop(&handle_); }

bool Timer::active() const noexcept {
    return uv_is_active(reinterpret_cast<const uv_handle_t*>(&handle_)) != 0;
}

void Timer::on_uv_timer(uv_timer_t* t) {
    auto* self = static_cast<Timer*>(static_cast<HandleOwner*>(t->data));
    if (!self->on_fire_) return;
    // Copy: the callback may restart this timer and replace on_fire_ while running.
    auto fire = self->on_fire_;
    fire();
}

}  // namespace gaia::loop
