#pragma once
// The monitoring endpoints of SPEC §4 that a one-shot run serves with `gaia run
// --listen`: /metrics, /liveness and /readiness. Paths are matched exactly; a known path
// asked with another method gets 405 and its Allow header, anything else 404.

#include "core/metrics/registry.hpp"
#include "core/serve/http_server.hpp"

#include <functional>
#include <string>

namespace gaia::serve {

enum class Readiness { starting, ready, draining };

class Endpoints {
public:
    // `loop_lag_s` gives the event loop's latest lag, for /liveness.
    Endpoints(loop::Loop& loop, metrics::Registry& registry, std::function<double()> loop_lag_s,
              ServerLimits limits = {});

    std::string listen(const std::string& address) { return server_.listen(address); }
    int port() const noexcept { return server_.port(); }
    void set_readiness(Readiness r) noexcept { readiness_ = r; }
    void close() { server_.close(); }

    // /liveness answers 503 once the loop has been this late.
    static constexpr double kMaxLoopLagS = 1.0;

private:
    void handle(const HttpRequest& request, std::function<void(HttpResponse)> respond);

    metrics::Registry& registry_;
    std::function<double()> loop_lag_s_;
    Readiness readiness_ = Readiness::starting;
    HttpServer server_;
};

// True for 127.0.0.0/8, ::1 and "localhost": addresses only this machine reaches.
bool is_loopback_address(const std::string& listen_address);

}  // namespace gaia::serve
