#pragma once
// Delivery of a POSIX signal as a loop callback.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <functional>

namespace gaia::loop {

class SignalWatcher final : public HandleOwner<uv_signal_t> {
public:
    // The watcher does not keep the loop alive: a run ends when its work ends.
    static HandlePtr<SignalWatcher> create(Loop& loop, int signum, std::function<void(int)> on_signal);

private:
    SignalWatcher(Loop& loop, std::function<void(int)> on_signal);
    void on_close() noexcept override { on_signal_ = nullptr; }

    std::function<void(int)> on_signal_;
};

}  // namespace gaia::loop
