#include "jobs/http/admission.hpp"

#include "core/jobfile/values.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <utility>

namespace gaia::jobs::http {
namespace {

std::string seconds_text(std::uint64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ns) / 1e9);
    return buf;
}

}  // namespace

Admission::Admission(loop::Loop& loop, const ApiConfig& config, metrics::Registry& registry)
    : loop_(loop), config_(config),
      rate_limited_(registry.counter("gaia_api_rate_limited_total",
                                     "HTTP requests that waited for a rate limit ([api].rate or the host's).", {"host"})),
      breaker_state_(registry.gauge("gaia_api_circuit_breaker_state",
                                    "Circuit breaker per host: 0 closed, 1 half-open, 2 open.", {"host"})),
      queue_depth_(registry.gauge("gaia_api_queue_depth", "HTTP requests waiting for the pool's limits.")
                       .with(metrics::LabelValues{})) {
    if (config.limits.rate) bucket_.emplace(config.limits.rate->per_second, config.limits.burst, run::kTimerCatchUpNs);
}

Admission::Host& Admission::host(const std::string& name) {
    auto [it, fresh] = hosts_.try_emplace(name);
    Host& h = it->second;
    if (fresh) {
        h.name = name;
        if (auto limits = config_.hosts.find(name); limits != config_.hosts.end()) h.limits = limits->second;
        if (h.limits.rate) h.bucket.emplace(h.limits.rate->per_second, h.limits.burst, run::kTimerCatchUpNs);
        if (config_.circuit_breaker) {
            const auto& cb = *config_.circuit_breaker;
            h.breaker.emplace(cb.failures,
                              static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(cb.open_for).count()));
            h.breaker_state = &breaker_state_.with({name});
        }
        h.rate_limited = &rate_limited_.with({name});
    }
    return h;
}

Admission::Ticket::Ticket(Ticket&& other) noexcept
    : admission_(std::exchange(other.admission_, nullptr)), id_(other.id_) {}

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
    if (this != &other) {
        release(std::nullopt);
        admission_ = std::exchange(other.admission_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

void Admission::Ticket::release(std::optional<bool> success) {
    if (auto* admission = std::exchange(admission_, nullptr)) admission->release(id_, success);
}

void Admission::enqueue(const std::string& name, Ticket& ticket, Go go) {
    const auto id = next_ticket_++;
    Ticket fresh;
    fresh.admission_ = this;
    fresh.id_ = id;
    ticket = std::move(fresh);  // before pump(), which may call go at once
    Host& h = host(name);
    h.queue.push_back(Waiter{id, std::move(go)});
    tickets_.emplace(id, Place{&h});
    set_queued(queued_ + 1);
    pump();
}

void Admission::release(std::uint64_t ticket, std::optional<bool> success) {
    auto it = tickets_.find(ticket);
    if (it == tickets_.end()) return;  // refused, or given back already
    Host& h = *it->second.host;
    const bool went = it->second.went;
    tickets_.erase(it);
    if (!went) {
        // It only leaves the queue; the others keep their places.
        auto w = std::find_if(h.queue.begin(), h.queue.end(), [&](const Waiter& x) { return x.ticket == ticket; });
        if (w != h.queue.end()) {
            h.queue.erase(w);
            set_queued(queued_ - 1);
        }
        return;
    }
    --h.in_flight;
    --in_flight_;
    // Closed (the pool is stopping, its loop may be gone): no breaker timer, no queue to wake.
    if (closed_) return;
    if (h.breaker) {
        const auto now = loop::Loop::hrtime_ns();
        if (success) h.breaker->record(*success, now);
        else if (h.probe == ticket) h.breaker->probe_abandoned();
        if (h.probe == ticket) h.probe = 0;
        show_breaker(h, now);
    }
    pump();
}

void Admission::show_breaker(Host& h, std::uint64_t now) {
    const auto state = h.breaker->state(now);
    h.breaker_state->set(static_cast<double>(state));
    if (state != CircuitBreaker::State::open) return;
    // Flip the metric to half-open when the time comes, even if no request asks.
    if (!h.half_open_timer) {
        h.half_open_timer = loop::Timer::create(loop_);
        h.half_open_timer->unref();
    }
    const auto ms = (h.breaker->remaining_ns(now) + 999'999) / 1'000'000;
    h.half_open_timer->start(std::chrono::milliseconds(ms), [this, hp = &h] {
        show_breaker(*hp, loop::Loop::hrtime_ns());
        pump();
    });
}

void Admission::set_queued(std::size_t n) {
    queued_ = n;
    queue_depth_.set(static_cast<double>(n));
}

bool Admission::admit_one(Host& h, std::uint64_t now, std::uint64_t& wait_ns) {
    Waiter& w = h.queue.front();
    bool probe = false;
    if (h.breaker) {
        switch (h.breaker->admit(now)) {
        case CircuitBreaker::Verdict::go: break;
        case CircuitBreaker::Verdict::probe: probe = true; break;
        case CircuitBreaker::Verdict::wait: return false;  // the probe's result decides
        case CircuitBreaker::Verdict::reject: {
            // No network traffic while open: the request fails now.
            std::string refusal = "circuit open for " + h.name + " after " +
                                  std::to_string(h.breaker->consecutive_failures()) +
                                  " consecutive failures; the next probe goes in " +
                                  seconds_text(h.breaker->remaining_ns(now));
            Go go = std::move(w.go);
            tickets_.erase(w.ticket);
            h.queue.pop_front();
            set_queued(queued_ - 1);
            go(refusal);
            return true;
        }
        }
    }
    auto undo_probe = [&] {
        if (probe) h.breaker->probe_abandoned();
    };
    if (h.limits.max_clients != 0 && h.in_flight >= h.limits.max_clients) {
        undo_probe();
        return false;
    }
    // Both buckets must have a token; neither is taken unless both are.
    const std::uint64_t host_wait = h.bucket ? h.bucket->wait_ns(now) : 0;
    const std::uint64_t all_wait = bucket_ ? bucket_->wait_ns(now) : 0;
    if (host_wait > 0 || all_wait > 0) {
        wait_ns = std::min(wait_ns, std::max(host_wait, all_wait));
        if (!w.counted) {
            w.counted = true;
            h.rate_limited->inc();
        }
        undo_probe();
        return false;
    }
    if (h.bucket) h.bucket->try_take(now);
    if (bucket_) bucket_->try_take(now);
    Go go = std::move(w.go);
    const auto ticket = w.ticket;
    h.queue.pop_front();
    set_queued(queued_ - 1);
    tickets_.at(ticket).went = true;
    ++h.in_flight;
    ++in_flight_;
    if (probe) {
        h.probe = ticket;
        show_breaker(h, now);
    }
    go({});
    return true;
}

void Admission::pump() {
    if (pumping_ || closed_) return;
    pumping_ = true;
    const std::uint32_t max_clients = config_.limits.max_clients;
    std::uint64_t wait_ns = std::numeric_limits<std::uint64_t>::max();
    // Hosts take turns, one request each per round, until a round moves nothing.
    bool moved = true;
    while (moved && queued_ > 0) {
        moved = false;
        const auto now = loop::Loop::hrtime_ns();
        // Each round starts after the host that went last, so a freed slot goes round.
        auto it = hosts_.upper_bound(last_host_);
        for (std::size_t n = 0; n < hosts_.size(); ++n, ++it) {
            if (it == hosts_.end()) it = hosts_.begin();
            Host& h = it->second;
            if (h.queue.empty()) continue;
            if (max_clients != 0 && in_flight_ >= max_clients) {
                // A circuit that is open still fails its waiters at once.
                if (!h.breaker || h.breaker->state(now) != CircuitBreaker::State::open) continue;
            }
            if (admit_one(h, now, wait_ns)) {
                moved = true;
                last_host_ = h.name;
            }
        }
    }
    if (queued_ > 0 && wait_ns != std::numeric_limits<std::uint64_t>::max()) {
        const auto deadline = loop::Loop::hrtime_ns() + wait_ns;
        if (!token_timer_) token_timer_ = loop::Timer::create(loop_);
        if (!token_timer_->active() || deadline < token_deadline_ns_) {
            token_deadline_ns_ = deadline;
            // Rounded up: waking early would only find the bucket still empty.
            token_timer_->start(std::chrono::milliseconds((wait_ns + 999'999) / 1'000'000), [this] { pump(); });
        }
    }
    pumping_ = false;
}

void Admission::close() {
    closed_ = true;
    token_timer_.reset();
    for (auto& [name, h] : hosts_) h.half_open_timer.reset();
}

}  // namespace gaia::jobs::http
