#include "jobs/browser/request_router.hpp"

#include "core/text/base64.hpp"

namespace gaia::jobs::browser {

RequestRouter::RequestRouter(loop::Loop& loop, std::shared_ptr<const NetworkRules> rules, Call call)
    : loop_(loop), rules_(std::move(rules)), call_(std::move(call)) {}

nlohmann::json RequestRouter::enable_params() const {
    nlohmann::json patterns = nlohmann::json::array();
    auto add = [&patterns](const std::string& url) {
        patterns.push_back({{"urlPattern", url}, {"requestStage", "Request"}});
    };
    for (const auto& url : rules_->block) add(url);
    for (const auto& route : rules_->mock) add(route.url);
    return {{"patterns", std::move(patterns)}};
}

void RequestRouter::on_request_paused(const nlohmann::json& params) {
    const auto id = cdp_string(params, "requestId");
    if (id.empty()) return;
    std::string url, method;
    if (auto request = params.find("request"); request != params.end() && request->is_object()) {
        // A URL with a fragment is paused without it; rules see what the page asked for.
        url = cdp_string(*request, "url") + cdp_string(*request, "urlFragment");
        method = cdp_string(*request, "method");
    }
    for (const auto& pattern : rules_->block) {
        if (!url_pattern_matches(pattern, url)) continue;
        ++blocked_;
        call_("Fetch.failRequest", {{"requestId", id}, {"errorReason", "BlockedByClient"}}, [](CdpReply) {});
        return;
    }
    for (const auto& route : rules_->mock) {
        if (!url_pattern_matches(route.url, url) || (!route.method.empty() && route.method != method)) continue;
        ++mocked_;
        if (route.delay.count() <= 0) return fulfill(id, route);
        const auto key = next_delay_++;
        auto timer = loop::Timer::create(loop_);
        timer->start(route.delay, life_.guard([this, key, id, &route] {
            fulfill(id, route);
            delays_.erase(key);  // the handle closes later; its callback is already running
        }));
        delays_.emplace(key, std::move(timer));
        return;
    }
    call_("Fetch.continueRequest", {{"requestId", id}}, [](CdpReply) {});
}

void RequestRouter::fulfill(const std::string& request_id, const MockRoute& route) {
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [name, value] : route.headers) headers.push_back({{"name", name}, {"value", value}});
    call_("Fetch.fulfillRequest",
          {{"requestId", request_id},
           {"responseCode", route.status},
           {"responseHeaders", std::move(headers)},
           {"body", text::encode_base64(route.body)}},
          [](CdpReply) {});
}

}  // namespace gaia::jobs::browser
