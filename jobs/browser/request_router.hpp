#pragma once
// Answers the requests a page's Fetch domain pauses (Fetch.requestPaused): a request that
// a `block` pattern matches fails as BlockedByClient before it leaves the browser, one a
// `mock` matches is fulfilled from the job file (after its delay), and any other —
// Chromium pauses only what some pattern matches, so rarely any — goes on unchanged.

#include "core/loop/handle.hpp"
#include "core/loop/lifetime.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "jobs/browser/cdp_connection.hpp"
#include "jobs/browser/network_rules.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace gaia::jobs::browser {

class RequestRouter {
public:
    using Call = std::function<void(const std::string& method, nlohmann::json params, ReplyHandler reply)>;
    RequestRouter(loop::Loop& loop, std::shared_ptr<const NetworkRules> rules, Call call);

    // Fetch.enable's parameters: a Request-stage pattern for each rule.
    nlohmann::json enable_params() const;
    void on_request_paused(const nlohmann::json& params);

    std::uint64_t blocked() const noexcept { return blocked_; }
    std::uint64_t mocked() const noexcept { return mocked_; }

private:
    void fulfill(const std::string& request_id, const MockRoute& route);

    loop::Loop& loop_;
    std::shared_ptr<const NetworkRules> rules_;
    Call call_;
    std::map<std::uint64_t, loop::HandlePtr<loop::Timer>> delays_;  // mocks waiting for their delay
    std::uint64_t next_delay_ = 0;
    std::uint64_t blocked_ = 0, mocked_ = 0;
    loop::Lifetime life_;
};

}  // namespace gaia::jobs::browser
