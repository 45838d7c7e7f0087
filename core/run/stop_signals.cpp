#include "core/run/stop_signals.hpp"

#include <spdlog/spdlog.h>

#include <csignal>

namespace gaia::run {

StopSignals::StopSignals(loop::Loop& loop, std::function<void(int signum)> stop, std::function<void()> kill_now)
    : stop_(std::move(stop)),
      kill_now_(std::move(kill_now)),
      sigint_(loop::SignalWatcher::create(loop, SIGINT, [this](int s) { on_signal(s); })),
      sigterm_(loop::SignalWatcher::create(loop, SIGTERM, [this](int s) { on_signal(s); })) {}

void StopSignals::close() {
    sigint_.reset();
    sigterm_.reset();
}

void StopSignals::on_signal(int signum) {
    if (signum == SIGINT && ++interrupts_ >= 2) {
        spdlog::warn("second interrupt: killing everything now");
        kill_now_();
        return;
    }
    stop_(signum);
}

}  // namespace gaia::run
