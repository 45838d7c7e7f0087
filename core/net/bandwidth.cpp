#include "core/net/bandwidth.hpp"

#include <algorithm>

namespace gaia::net {
namespace {

// A grant lets one chunk through; libcurl hands at most 16 KiB to a write callback and
// the lean engine reads up to 64 KiB. The estimate is corrected by what really moved.
constexpr double kGrantEstimate = 16 * 1024;
constexpr auto kTick = std::chrono::milliseconds(10);

metrics::Family<metrics::Counter>& bytes_family(metrics::Registry& r) {
    return r.counter("gaia_network_bytes_total", "Bytes moved by HTTP transfers: bodies (libcurl), all bytes read or sent (the lean engine).", {"direction"});
}

}  // namespace

Gate::~Gate() {
    if (owner_ && resume_) owner_->remove(this);
}

bool Gate::may_proceed() const noexcept {
    if (!owner_ || !owner_->rate_) return true;
    if (granted_) return true;
    return owner_->tokens_ > 0 && owner_->queue_.empty();
}

void Gate::consumed(std::size_t n, bool upload) {
    if (!owner_) return;
    (upload ? owner_->up_ : owner_->down_).inc(static_cast<double>(n));
    if (!owner_->rate_) return;
    owner_->refill(loop::Loop::hrtime_ns());
    // A grant was charged its estimate already: charge the difference.
    owner_->tokens_ -= granted_ ? static_cast<double>(n) - kGrantEstimate : static_cast<double>(n);
    granted_ = false;
}

void Gate::wait(std::function<void()> resume) {
    if (!owner_) {
        resume();
        return;
    }
    resume_ = std::move(resume);
    waiting_since_ns_ = loop::Loop::hrtime_ns();
    owner_->enqueue(this);
}

Bandwidth::Bandwidth(loop::Loop& loop, metrics::Registry& registry, std::optional<double> bytes_per_second)
    : loop_(loop), down_(bytes_family(registry).with({"download"})), up_(bytes_family(registry).with({"upload"})),
      wait_s_(registry
                  .counter("gaia_network_throttle_wait_seconds_total",
                           "Time HTTP transfers spent paused for [network].bandwidth (summed over transfers).")
                  .with(metrics::LabelValues{})) {
    if (bytes_per_second) {
        rate_ = *bytes_per_second / 1e9;
        capacity_ = std::max(64.0 * 1024, *bytes_per_second * 0.05);
        tokens_ = capacity_;
        last_ns_ = loop::Loop::hrtime_ns();
    }
}

Bandwidth::~Bandwidth() { close(); }

void Bandwidth::close() {
    for (Gate* g : queue_) {
        g->resume_ = nullptr;
        g->owner_ = nullptr;
    }
    queue_.clear();
    timer_.reset();
}

bool Bandwidth::throttled_recently() const noexcept {
    return last_wait_ns_ != 0 && loop::Loop::hrtime_ns() - last_wait_ns_ < 5'000'000'000ull;
}

void Bandwidth::refill(std::uint64_t now_ns) {
    if (!rate_ || now_ns <= last_ns_) return;
    tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now_ns - last_ns_) * *rate_);
    last_ns_ = now_ns;
}

void Bandwidth::enqueue(Gate* g) {
    queue_.push_back(g);
    last_wait_ns_ = loop::Loop::hrtime_ns();
    if (!timer_) timer_ = loop::Timer::create(loop_);
    if (!timer_->active()) timer_->start_repeating(kTick, [this] { tick(); });
}

void Bandwidth::remove(Gate* g) { queue_.erase(std::remove(queue_.begin(), queue_.end(), g), queue_.end()); }

void Bandwidth::tick() {
    const auto now = loop::Loop::hrtime_ns();
    refill(now);
    // FIFO: each queued transfer gets one chunk's worth before any gets a second.
    while (tokens_ > 0 && !queue_.empty()) {
        Gate* g = queue_.front();
        queue_.pop_front();
        g->granted_ = true;
        tokens_ -= kGrantEstimate;
        wait_s_.inc(static_cast<double>(now - g->waiting_since_ns_) / 1e9);
        auto resume = std::move(g->resume_);
        g->resume_ = nullptr;
        resume();  // may consume (libcurl delivers at once) or queue the gate again
    }
    if (queue_.empty() && timer_) timer_->stop();
    else last_wait_ns_ = now;
}

}  // namespace gaia::net
