#include "core/serve/endpoints.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace gaia::serve {
namespace {

HttpResponse json_answer(int status, const nlohmann::json& body) {
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = body.dump() + "\n";
    return r;
}

const char* readiness_name(Readiness r) {
    switch (r) {
    case Readiness::starting: return "starting";
    case Readiness::ready: return "ready";
    case Readiness::draining: return "draining";
    }
    return "starting";
}

}  // namespace

Endpoints::Endpoints(loop::Loop& loop, metrics::Registry& registry, std::function<double()> loop_lag_s,
                     ServerLimits limits)
    : registry_(registry),
      loop_lag_s_(std::move(loop_lag_s)),
      server_(loop, limits, [this](const HttpRequest& request, std::function<void(HttpResponse)> respond) {
          handle(request, std::move(respond));
      }) {}

void Endpoints::handle(const HttpRequest& request, std::function<void(HttpResponse)> respond) {
    static constexpr std::array<std::string_view, 3> kPaths = {"/metrics", "/liveness", "/readiness"};
    const bool known = std::find(kPaths.begin(), kPaths.end(), request.path) != kPaths.end();
    if (!known) {
        HttpResponse r;
        r.status = 404;
        r.body = "not found: " + request.path.substr(0, 200) + "\n";
        return respond(std::move(r));
    }
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse r;
        r.status = 405;
        r.body = request.method + " is not allowed on " + request.path + "\n";
        r.headers.emplace_back("Allow", "GET, HEAD");
        return respond(std::move(r));
    }
    if (request.path == "/metrics") {
        HttpResponse r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = registry_.expose();
        return respond(std::move(r));
    }
    if (request.path == "/liveness") {
        const double lag = loop_lag_s_ ? loop_lag_s_() : 0.0;
        const bool alive = lag < kMaxLoopLagS;
        return respond(json_answer(alive ? 200 : 503, {{"status", alive ? "alive" : "stalled"}, {"loop_lag_s", lag}}));
    }
    const bool ready = readiness_ == Readiness::ready;
    respond(json_answer(ready ? 200 : 503, {{"status", readiness_name(readiness_)}}));
}

bool is_loopback_address(const std::string& address) {
    std::string host = address;
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.find(']') - 1);
    else if (auto colon = host.rfind(':'); colon != std::string::npos) host = host.substr(0, colon);
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace gaia::serve
