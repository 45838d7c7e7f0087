#pragma once
// When an HTTP request may go: [api].max_clients requests in flight in all, each host's
// own max_clients, the global and per-host token buckets ([api].rate, [api.hosts."H"].rate)
// and the host's circuit breaker. Requests that cannot go yet wait in a FIFO queue per
// host — no polling: a finished request, a timer for the next token or the breaker's
// half-open moment wakes the queue — and hosts take turns, so one slow host does not
// hold up the others.

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/metrics/registry.hpp"
#include "core/run/token_bucket.hpp"
#include "jobs/http/circuit_breaker.hpp"
#include "jobs/http/http_config.hpp"

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>

namespace gaia::jobs::http {

class Admission {
public:
    // A request's place, from enqueue() until the request is over. It is given back once:
    // by release(), or by the destructor (a task cancelled or destroyed mid-way), so no path
    // can leak a slot. A ticket must not outlive its Admission.
    class Ticket {
    public:
        Ticket() = default;
        Ticket(Ticket&& other) noexcept;
        Ticket& operator=(Ticket&& other) noexcept;
        ~Ticket() { release(std::nullopt); }

        // The request is over or gives up its place: out of the queue if it had not gone
        // yet, its slot freed if it had. `success` tells the host's circuit breaker how the
        // host did; nullopt says nothing of the host (cancelled). Later calls do nothing.
        void release(std::optional<bool> success);
        bool held() const noexcept { return admission_ != nullptr; }

    private:
        friend class Admission;
        Admission* admission_ = nullptr;
        std::uint64_t id_ = 0;
    };

    // Called once: with an empty refusal when the request may go now, or with the reason
    // it may not (an open circuit; the ticket is then already given back). Called from
    // enqueue() itself when nothing holds the request back.
    using Go = std::function<void(const std::string& refusal)>;

    Admission(loop::Loop& loop, const ApiConfig& config, metrics::Registry& registry);
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;

    // Queues a request for `host`; `ticket` holds its place before `go` can run.
    void enqueue(const std::string& host, Ticket& ticket, Go go);
    std::size_t queued() const noexcept { return queued_; }
    void close();

private:
    void release(std::uint64_t ticket, std::optional<bool> success);

    struct Waiter {
        std::uint64_t ticket;
        Go go;
        bool counted = false;  // already counted in gaia_api_rate_limited_total
    };
    struct Host {
        std::string name;
        RequestLimits limits;
        std::optional<run::TokenBucket> bucket;
        std::optional<CircuitBreaker> breaker;
        std::uint32_t in_flight = 0;
        std::uint64_t probe = 0;  // the ticket of the half-open probe, if one is out
        std::deque<Waiter> queue;
        metrics::Gauge* breaker_state = nullptr;
        metrics::Counter* rate_limited = nullptr;
        loop::HandlePtr<loop::Timer> half_open_timer;
    };

    Host& host(const std::string& name);
    void pump();
    // Tries to let the first waiter of h go; returns true if the queue moved.
    bool admit_one(Host& h, std::uint64_t now, std::uint64_t& wait_ns);
    void show_breaker(Host& h, std::uint64_t now);
    void set_queued(std::size_t n);

    loop::Loop& loop_;
    const ApiConfig& config_;
    std::optional<run::TokenBucket> bucket_;
    std::map<std::string, Host> hosts_;
    std::string last_host_;  // the host whose request went last
    struct Place {
        Host* host;
        bool went = false;  // in flight; otherwise still in host->queue
    };
    std::unordered_map<std::uint64_t, Place> tickets_;  // waiting or in flight
    std::uint32_t in_flight_ = 0;
    std::size_t queued_ = 0;
    std::uint64_t next_ticket_ = 1;
    bool pumping_ = false;
    bool closed_ = false;
    loop::HandlePtr<loop::Timer> token_timer_;
    std::uint64_t token_deadline_ns_ = 0;
    metrics::Family<metrics::Counter>& rate_limited_;
    metrics::Family<metrics::Gauge>& breaker_state_;
    metrics::Gauge& queue_depth_;
};

}  // namespace gaia::jobs::http
