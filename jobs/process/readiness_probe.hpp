#pragma once
// Readiness probes of services (`ready = { tcp = … }` and `{ http = … }`): one attempt
// connects (and for http sends a GET and reads the status line) and reports whether the
// service answered. The caller repeats attempts until its deadline.

#include "core/loop/handle.hpp"
#include "core/loop/loop.hpp"

#include <functional>
#include <optional>
#include <string>

namespace gaia::jobs::process {

struct ProbeTarget {
    std::string host;  // numeric IPv4 or IPv6, or localhost
    int port = 0;
    std::string path;  // http only; empty for tcp
    bool http = false;
};

// "127.0.0.1:8000" (tcp) or "http://127.0.0.1:8000/health" (http); nullopt and *error when
// the address is not one gaia can probe.
std::optional<ProbeTarget> parse_probe_target(const std::string& text, bool http, std::string* error);

class ReadinessProbe final : public loop::HandleOwner<uv_tcp_t> {
public:
    // Starts one attempt; on_result(true) when the service answered (http: a 2xx or 3xx
    // status), on a later loop turn. The caller owns the probe: dropping it (also from
    // inside on_result) closes the connection and no callback comes after that. Null when
    // the attempt could not even start (the caller simply tries again later).
    static loop::HandlePtr<ReadinessProbe> attempt(loop::Loop& loop, const ProbeTarget& target,
                                                   std::function<void(bool)> on_result);

private:
    ReadinessProbe() = default;
    void finish(bool ok);
    void on_close() noexcept override { on_result_ = nullptr; }

    std::function<void(bool)> on_result_;
    ProbeTarget target_;
    uv_connect_t connect_{};
    uv_write_t write_{};
    std::string request_;
    std::string response_;
    char buffer_[1024];
};

}  // namespace gaia::jobs::process
