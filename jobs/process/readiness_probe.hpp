#pragma once
// Readiness probes of services (`ready = { tcp = … }` and `{ http = … }`): one attempt
// connects (and for http sends a GET and reads the status line) and reports whether the
// service answered. The caller repeats attempts until its deadline.

#include "core/loop/loop.hpp"
#include "core/loop/tcp.hpp"
#include "core/text/ip_endpoint.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace gaia::jobs::process {

struct ProbeTarget {
    text::IpEndpoint endpoint;  // with its port
    std::string path;  // http only; empty for tcp
    bool http = false;
};

// "127.0.0.1:8000" (tcp) or "http://127.0.0.1:8000/health" (http); nullopt and *error when
// the address is not one gaia can probe.
std::optional<ProbeTarget> parse_probe_target(const std::string& text, bool http, std::string* error);

class ReadinessProbe {
public:
    // Starts one attempt; on_result(true) when the service answered (http: a 2xx or 3xx
    // status), on a later loop turn. The caller owns the probe: dropping it (also from
    // inside on_result) closes the connection and no callback comes after that. Null when
    // the attempt could not even start (the caller simply tries again later).
    static std::unique_ptr<ReadinessProbe> attempt(loop::Loop& loop, const ProbeTarget& target,
                                                   std::function<void(bool)> on_result);

private:
    ReadinessProbe(loop::Loop& loop, const ProbeTarget& target, std::function<void(bool)> on_result)
        : on_result_(std::move(on_result)), target_(target), connection_(loop::Tcp::create(loop)) {}
    void on_connected(int status);
    void on_data(std::string_view data);
    void finish(bool ok);

    std::function<void(bool)> on_result_;
    ProbeTarget target_;
    loop::HandlePtr<loop::Tcp> connection_;
    std::string response_;
};

}  // namespace gaia::jobs::process
