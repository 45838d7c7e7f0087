#pragma once
// How one HTTP response measures up against its job: captures, then the status, headers,
// body and JSON expectations, then the latency. The first problem found is the attempt's
// error; a transport error (no response) is one that another attempt may not have.

#include "core/jobfile/template.hpp"
#include "core/run/task.hpp"
#include "jobs/http/cookie_jar.hpp"
#include "jobs/http/http_config.hpp"
#include "jobs/http/http_engine.hpp"

#include <ctime>
#include <optional>
#include <string>

namespace gaia::jobs::http {

// Strings in JSON values are templates: rendered for one instance.
nlohmann::json render_json(const nlohmann::json& value, const jobfile::RenderScope& scope);

class ResponseCheck {
public:
    // `what` is "GET https://…" for messages; `body_cap` is [api].max_body; `now` the wall
    // clock's time (a Retry-After date is counted from it).
    // `jar`: the run's cookie jar, when [api].cookies is on (cookie:NAME captures read it).
    ResponseCheck(const HttpJobConfig& config, const HttpResponse& response, const jobfile::RenderScope& scope,
                  std::string what, std::uint64_t body_cap, std::time_t now, const CookieJar* jar = nullptr);

    run::TaskOutcome judge() &&;

private:
    void capture();
    void check_status();
    void check_headers_and_body();
    void check_json();
    void check_latency();
    void check_certificate();
    void capture_tls(const HttpCapture& c);
    void capture_cookie(const HttpCapture& c);
    void fail(std::string error);
    const nlohmann::json* json_body();

    const HttpJobConfig& config_;
    const HttpResponse& r_;
    const jobfile::RenderScope& scope_;
    std::string what_;
    std::time_t now_;
    const CookieJar* jar_;
    std::string too_big_;
    run::TaskOutcome o_;
    std::optional<nlohmann::json> json_doc_;
    bool json_tried_ = false;
};

}  // namespace gaia::jobs::http
