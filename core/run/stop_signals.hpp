#pragma once
// SIGINT and SIGTERM as gaia's commands take them: each asks to stop gracefully (the
// command drains what runs), except a second SIGINT — a user pressing Ctrl-C again — which
// asks to die at once. The watchers do not keep the loop alive.

#include "core/loop/signal_watcher.hpp"

#include <functional>

namespace gaia::run {

class StopSignals {
public:
    StopSignals(loop::Loop& loop, std::function<void(int signum)> stop, std::function<void()> kill_now);
    // No signal is delivered any more.
    void close();

private:
    void on_signal(int signum);

    std::function<void(int)> stop_;
    std::function<void()> kill_now_;
    loop::HandlePtr<loop::SignalWatcher> sigint_, sigterm_;
    int interrupts_ = 0;
};

}  // namespace gaia::run
