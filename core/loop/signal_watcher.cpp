#include "core/loop/signal_watcher.hpp"

#include "core/loop/uv_error.hpp"

namespace gaia::loop {

SignalWatcher::SignalWatcher(Loop& loop, std::function<void(int)> on_signal) : on_signal_(std::move(on_signal)) {
    check_uv(uv_signal_init(loop.get(), &handle_), "uv_signal_init");
    mark_initialized();
}

HandlePtr<SignalWatcher> SignalWatcher::create(Loop& loop, int signum, std::function<void(int)> on_signal) {
    // Started after construction so that a failure closes an initialized handle properly.
    HandlePtr<SignalWatcher> self(new SignalWatcher(loop, std::move(on_signal)));
    check_uv(uv_signal_start(
                 &self->handle_,
                 [](uv_signal_t* h, int sig) {
                     auto* owner = static_cast<SignalWatcher*>(static_cast<HandleOwner*>(h->data));
                     if (owner->on_signal_) owner->on_signal_(sig);
                 },
                 signum),
             "uv_signal_start");
    uv_unref(self->as_handle());
    return self;
}

}  // namespace gaia::loop
