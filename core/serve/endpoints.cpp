#include "core/serve/endpoints.hpp"

#include "core/serve/dashboard.hpp"

#include <uv.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

namespace gaia::serve {
namespace {

HttpResponse text_answer(int status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
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

// Read-only paths (GET and HEAD), beside /health/SUBSYSTEM.
constexpr std::array<std::string_view, 6> kReadPaths = {
    "/", "/metrics", "/liveness", "/readiness", "/health", "/api/v1/jobs",
};
constexpr std::string_view kHealthPrefix = "/health/";

constexpr std::string_view kProfilePath = "/debug/pprof/profile";
constexpr std::string_view kHeapPath = "/debug/pprof/heap";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

nlohmann::json loop_handles(uv_loop_t* loop) {
    nlohmann::json handles = nlohmann::json::object();
    uv_walk(
        loop,
        [](uv_handle_t* h, void* arg) {
            auto& out = *static_cast<nlohmann::json*>(arg);
            auto& entry = out[uv_handle_type_name(uv_handle_get_type(h))];
            if (entry.is_null()) entry = {{"count", 0}, {"active", 0}, {"closing", 0}};
            entry["count"] = entry["count"].get<int>() + 1;
            if (uv_is_active(h)) entry["active"] = entry["active"].get<int>() + 1;
            if (uv_is_closing(h)) entry["closing"] = entry["closing"].get<int>() + 1;
        },
        &handles);
    return handles;
}

constexpr std::string_view kJobsPrefix = "/api/v1/jobs/";
constexpr std::string_view kRunsPrefix = "/api/v1/runs/";

// The job and what is asked of it in POST /api/v1/jobs/NAME/{run,pause,resume}.
struct JobAction {
    std::string job;
    std::string_view action;
};
std::optional<JobAction> job_action(std::string_view path) {
    for (std::string_view action : {"run", "pause", "resume"}) {
        auto job = name_in_path(path, kJobsPrefix, "/" + std::string(action));
        if (!job.empty()) return JobAction{std::move(job), action};
    }
    return std::nullopt;
}

// %XX escapes decoded into `out`; false for a bad or truncated one. In a query string
// (`plus_is_space`) a `+` is a space, as forms send it; in a path it is itself.
bool percent_decode(std::string_view encoded, bool plus_is_space, std::string& out) {
    for (std::size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] == '%') {
            if (i + 2 >= encoded.size()) return false;  // a truncated escape
            const int hi = hex_value(encoded[i + 1]), lo = hex_value(encoded[i + 2]);
            if (hi < 0 || lo < 0) return false;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += plus_is_space && encoded[i] == '+' ? ' ' : encoded[i];
        }
    }
    return true;
}

}  // namespace

HttpResponse json_answer(int status, const nlohmann::json& body) {
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

Endpoints::Endpoints(loop::Loop& loop, metrics::Registry& registry, std::function<double()> loop_lag_s,
                     EndpointOptions options)
    : loop_(loop),
      registry_(registry),
      loop_lag_s_(std::move(loop_lag_s)),
      options_(std::move(options)),
      server_(loop, options_.limits, [this](const HttpRequest& request, std::function<void(HttpResponse)> respond) {
          handle(request, std::move(respond));
      }) {
    // Tracking starts with gaia, so that a heap profile shows everything still live.
    if (options_.debug) heap_ = std::make_unique<HeapProfiler>();
}

void Endpoints::handle(const HttpRequest& request, std::function<void(HttpResponse)> respond) {
    if (answer_history(request, respond)) return;
    if (request.path == kProfilePath && options_.debug && (request.method == "GET" || request.method == "HEAD") &&
        authorized(request)) {
        return profile(request, std::move(respond));
    }
    respond(answer_once_per_turn(request));
}

bool Endpoints::answer_history(const HttpRequest& request, std::function<void(HttpResponse)>& respond) {
    std::string error;
    auto query = history_query(request.path, request.query, &error);
    if (!query && error.empty()) return false;
    if (request.method != "GET" && request.method != "HEAD") {
        auto r = text_answer(405, request.method + " is not allowed on " + request.path + "\n");
        r.headers.emplace_back("Allow", "GET, HEAD");
        respond(std::move(r));
        return true;
    }
    if (!query) {
        respond(json_answer(400, {{"error", error}}));
        return true;
    }
    if (!options_.history) {
        respond(json_answer(409, {{"error", "no run history is kept here: gaia serve keeps it in its state database "
                                            "(not with --no-state, not in gaia run)"}}));
        return true;
    }
    options_.history(*query, std::move(respond));
    return true;
}

void Endpoints::profile(const HttpRequest& request, std::function<void(HttpResponse)> respond) {
    long seconds = 30;  // as Go's net/http/pprof
    if (!request.query.empty()) {
        std::string_view q = request.query;
        constexpr std::string_view kKey = "seconds=";
        char* end = nullptr;
        if (q.substr(0, kKey.size()) != kKey) return respond(text_answer(400, "the query takes seconds=N only\n"));
        const std::string value(q.substr(kKey.size()));
        seconds = std::strtol(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || seconds < 1 || seconds > 300) {
            return respond(text_answer(400, "seconds must be a whole number from 1 to 300, not `" + value.substr(0, 20) + "`\n"));
        }
    }
    if (!profiler_) profiler_ = std::make_unique<CpuProfiler>(loop_);
    if (profiler_->busy()) return respond(text_answer(409, "a CPU profile is already being taken; try again after it\n"));
    profiler_->profile(std::chrono::seconds(seconds), [respond = std::move(respond)](std::string bytes, std::string error) {
        if (!error.empty()) return respond(text_answer(500, error + "\n"));
        HttpResponse r;
        r.content_type = "application/octet-stream";
        r.body = std::move(bytes);
        r.headers.emplace_back("Content-Disposition", "attachment; filename=\"gaia-cpu.prof\"");
        respond(std::move(r));
    });
}

HttpResponse Endpoints::answer_once_per_turn(const HttpRequest& request) {
    const bool shared = (request.method == "GET" || request.method == "HEAD") &&
                        (request.path == "/metrics" || request.path.rfind("/health", 0) == 0);
    if (!shared) return answer(request);
    const auto turn = loop_.now_ms();
    auto it = memo_.find(request.path);
    if (it != memo_.end() && it->second.turn_ms == turn) return it->second.response;
    auto response = answer(request);
    if (response.status != 404 && response.status != 405) memo_[request.path] = Memo{turn, response};
    return response;
}

// "api" for /health/api: a subsystem of the health this serves, or empty.
std::string_view Endpoints::subsystem_of_path(std::string_view path) const {
    if (!options_.health || path.substr(0, kHealthPrefix.size()) != kHealthPrefix) return {};
    const auto name = path.substr(kHealthPrefix.size());
    for (auto subsystem : options_.health->subsystems()) {
        if (subsystem == name) return subsystem;
    }
    return {};
}

bool Endpoints::authorized(const HttpRequest& request) const {
    if (options_.token.empty()) return true;
    const std::string given = request.header("authorization");
    constexpr std::string_view kScheme = "Bearer ";
    if (given.size() < kScheme.size() || !std::equal(kScheme.begin(), kScheme.end(), given.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
        return false;
    }
    return same_secret(std::string_view(given).substr(kScheme.size()), options_.token);
}

HttpResponse Endpoints::answer(const HttpRequest& request) {
    const std::string& path = request.path;
    const bool read_only = request.method == "GET" || request.method == "HEAD";
    const bool is_debug = options_.debug && (path == "/debug/loop" || path == kProfilePath || path == kHeapPath);
    const auto action = job_action(path);
    const std::string run_job = action ? action->job : std::string();
    const bool known_read = std::find(kReadPaths.begin(), kReadPaths.end(), path) != kReadPaths.end() || is_debug ||
                            !subsystem_of_path(path).empty();

    if (!known_read && run_job.empty()) return text_answer(404, "not found: " + path.substr(0, 200) + "\n");
    if (known_read && !read_only) {
        auto r = text_answer(405, request.method + " is not allowed on " + path + "\n");
        r.headers.emplace_back("Allow", "GET, HEAD");
        return r;
    }
    if (!run_job.empty() && request.method != "POST") {
        auto r = text_answer(405, request.method + " is not allowed on " + path + "\n");
        r.headers.emplace_back("Allow", "POST");
        return r;
    }
    if ((is_debug || !run_job.empty()) && !authorized(request)) {
        auto r = json_answer(401, {{"error", "this endpoint needs `Authorization: Bearer TOKEN` (--token-file)"}});
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gaia\"");
        return r;
    }

    if (action && action->action == "run") {
        if (!options_.run_job) {
            return json_answer(409, {{"error", "a one-shot run (gaia run) does not start jobs on request; use gaia serve"}});
        }
        return options_.run_job(run_job);
    }
    if (action) {
        if (!options_.pause_job) {
            return json_answer(409, {{"error", "a one-shot run (gaia run) has no schedules to pause; use gaia serve"}});
        }
        return options_.pause_job(run_job, action->action == "pause");
    }
    if (path == "/") {
        HttpResponse r;
        r.content_type = "text/html; charset=utf-8";
        r.body = std::string(dashboard_html());
        r.headers.emplace_back("Content-Security-Policy",
                               "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                               "connect-src 'self'; img-src data:");
        return r;
    }
    if (path == "/metrics") {
        HttpResponse r;
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        r.body = registry_.expose();
        if (options_.redactor && !options_.redactor->empty()) r.body = options_.redactor->scrub(r.body);
        return r;
    }
    if (path == "/liveness") {
        const double lag = loop_lag_s_ ? loop_lag_s_() : 0.0;
        const bool alive = lag < kMaxLoopLagS;
        return json_answer(alive ? 200 : 503, {{"status", alive ? "alive" : "stalled"}, {"loop_lag_s", lag}});
    }
    if (path == "/readiness") {
        const bool ready = readiness_ == Readiness::ready;
        return json_answer(ready ? 200 : 503, {{"status", readiness_name(readiness_)}});
    }
    if (path == "/api/v1/jobs") {
        return json_answer(200, options_.jobs ? options_.jobs() : nlohmann::json{{"jobs", nlohmann::json::array()}});
    }
    if (is_debug && path == kHeapPath) {
        if (!heap_ || !heap_->available()) return text_answer(501, std::string(HeapProfiler::kHowToEnable) + "\n");
        HttpResponse r;
        r.content_type = "application/octet-stream";
        r.body = heap_->profile();
        r.headers.emplace_back("Content-Disposition", "attachment; filename=\"gaia-heap.prof\"");
        return r;
    }
    if (is_debug) {
        return json_answer(200, {{"handles", loop_handles(loop_.get())}, {"connections", server_.connections()}});
    }
    // /health and /health/NAME
    if (!options_.health) return text_answer(404, "not found: " + path + "\n");
    Health::Verdict v;
    if (path == "/health") v = options_.health->overall();
    else v = options_.health->subsystem(subsystem_of_path(path));
    return json_answer(v.status == HealthStatus::unhealthy ? 503 : 200, v.body);
}

bool is_loopback_address(const std::string& address) {
    std::string host = address;
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.find(']') - 1);
    else if (auto colon = host.rfind(':'); colon != std::string::npos) host = host.substr(0, colon);
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

bool same_secret(std::string_view given, std::string_view expected) noexcept {
    // Walks the whole expected secret whatever is given: the time tells only its length.
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const char g = i < given.size() ? given[i] : '\0';
        diff |= static_cast<unsigned char>(g ^ expected[i]);
    }
    return diff == 0;
}

std::string job_of_run_path(std::string_view path) { return name_in_path(path, kJobsPrefix, "/run"); }

std::string name_in_path(std::string_view path, std::string_view prefix, std::string_view suffix) {
    if (path.size() <= prefix.size() + suffix.size() || path.substr(0, prefix.size()) != prefix ||
        path.substr(path.size() - suffix.size()) != suffix) {
        return {};
    }
    const auto encoded = path.substr(prefix.size(), path.size() - prefix.size() - suffix.size());
    std::string name;
    // One path segment: no `/`, written or encoded, and no NUL.
    if (encoded.find('/') != std::string_view::npos || !percent_decode(encoded, false, name) ||
        name.find_first_of(std::string_view("/\0", 2)) != std::string::npos) {
        return {};
    }
    return name;
}

std::optional<HistoryQuery> history_query(std::string_view path, std::string_view query, std::string* error) {
    HistoryQuery q;
    if (auto job = name_in_path(path, kJobsPrefix, "/runs"); !job.empty()) {
        q.what = HistoryQuery::What::job_runs;
        q.name = std::move(job);
    } else if (auto id = name_in_path(path, kRunsPrefix, ""); !id.empty()) {
        q.what = HistoryQuery::What::run;
        q.name = std::move(id);
    } else {
        return std::nullopt;
    }
    while (!query.empty()) {
        const auto amp = query.find('&');
        const auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        std::string key, value;
        if (!percent_decode(pair.substr(0, eq), true, key) ||
            !percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true, value)) {
            *error = "the query has a bad %-escape";
            return std::nullopt;
        }
        if (q.what == HistoryQuery::What::job_runs && key == "limit") {
            char* end = nullptr;
            const auto n = std::strtoull(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || n < 1 || n > 1000) {
                *error = "limit is a whole number from 1 to 1000, not `" + value.substr(0, 20) + "`";
                return std::nullopt;
            }
            q.limit = n;
        } else if (q.what == HistoryQuery::What::job_runs && key == "status") {
            if (value != "passed" && value != "failed" && value != "cancelled" && value != "skipped") {
                *error = "status is passed, failed, cancelled or skipped, not `" + value.substr(0, 20) + "`";
                return std::nullopt;
            }
            q.status = std::move(value);
        } else {
            *error = "unknown query key `" + key.substr(0, 20) + "`" +
                     (q.what == HistoryQuery::What::job_runs ? " (limit and status are known)" : " (this path takes none)");
            return std::nullopt;
        }
    }
    return q;
}

}  // namespace gaia::serve
