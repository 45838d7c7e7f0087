#pragma once
// The monitoring endpoints (gaia-serve(1), ENDPOINTS), for `gaia serve` and `gaia run --listen`:
// /, /health, /health/NAME, /liveness, /readiness, /metrics, /api/v1/jobs,
// /api/v1/jobs/NAME/runs, /api/v1/runs/ID, POST /api/v1/jobs/NAME/run, /pause and /resume
// and, with --enable-debug, /debug/loop and
// /debug/pprof/profile and /debug/pprof/heap. Paths are matched
// exactly; a known path asked with another method gets 405 and its Allow header, anything
// else 404. With a token, POST and /debug need `Authorization: Bearer TOKEN` (401).

#include "core/metrics/registry.hpp"
#include "core/serve/cpu_profiler.hpp"
#include "core/serve/health.hpp"
#include "core/serve/heap_profiler.hpp"
#include "core/serve/http_server.hpp"
#include "core/text/redactor.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::serve {

enum class Readiness { starting, ready, draining };

// A question for the run history: GET /api/v1/jobs/NAME/runs?limit=N&status=S or
// GET /api/v1/runs/ID.
struct HistoryQuery {
    enum class What { job_runs, run };
    What what = What::job_runs;
    std::string name;  // the job, or the run's id
    std::uint64_t limit = 20;
    std::string status;  // empty: any
};

struct EndpointOptions {
    Health* health = nullptr;              // /health and /health/NAME (404 without)
    std::function<nlohmann::json()> jobs;  // /api/v1/jobs
    // POST /api/v1/jobs/NAME/run; without it (a one-shot run) the answer is 409.
    std::function<HttpResponse(const std::string& job)> run_job;
    // POST /api/v1/jobs/NAME/pause and /resume; without it, 409 as for run_job.
    std::function<HttpResponse(const std::string& job, bool pause)> pause_job;
    // The history endpoints, answered later (the state database is read off the loop);
    // without it, 409: nothing is kept.
    std::function<void(const HistoryQuery&, std::function<void(HttpResponse)>)> history;
    std::string token;   // set: POST and /debug need it as a bearer token
    // --enable-debug: /debug/loop lists the event loop's handles, /debug/pprof/profile
    // serves a CPU profile, /debug/pprof/heap a heap profile (with tcmalloc preloaded).
    bool debug = false;
    ServerLimits limits;
    // Secrets (env.*, env files, secret captures) are masked in /metrics, as in every output.
    const text::Redactor* redactor = nullptr;
};

class Endpoints {
public:
    // `loop_lag_s` gives the event loop's latest lag, for /liveness.
    Endpoints(loop::Loop& loop, metrics::Registry& registry, std::function<double()> loop_lag_s,
              EndpointOptions options = {});

    std::string listen(const std::string& address) { return server_.listen(address); }
    int port() const noexcept { return server_.port(); }
    void set_readiness(Readiness r) noexcept { readiness_ = r; }
    Readiness readiness() const noexcept { return readiness_; }
    void close() { server_.close(); }

    // /liveness answers 503 once the loop has been this late.
    static constexpr double kMaxLoopLagS = 1.0;

private:
    void handle(const HttpRequest& request, std::function<void(HttpResponse)> respond);
    // GET /api/v1/jobs/NAME/runs and /api/v1/runs/ID: answered when the history has read it.
    bool answer_history(const HttpRequest& request, std::function<void(HttpResponse)>& respond);
    // GET /debug/pprof/profile?seconds=N: answers when the profile is done.
    void profile(const HttpRequest& request, std::function<void(HttpResponse)> respond);
    HttpResponse answer(const HttpRequest& request);
    // /metrics and /health are computed once per loop turn: scrapers whose requests arrive
    // together (a busy dashboard, wrk) share one answer instead of each costing the loop a
    // full exposition while HTTP tasks wait. The answer is at most a millisecond old.
    HttpResponse answer_once_per_turn(const HttpRequest& request);
    bool authorized(const HttpRequest& request) const;
    std::string_view subsystem_of_path(std::string_view path) const;

    loop::Loop& loop_;
    metrics::Registry& registry_;
    std::function<double()> loop_lag_s_;
    EndpointOptions options_;
    Readiness readiness_ = Readiness::starting;
    struct Memo {
        std::uint64_t turn_ms = 0;
        HttpResponse response;
    };
    std::map<std::string, Memo, std::less<>> memo_;  // by path
    std::unique_ptr<CpuProfiler> profiler_;         // with --enable-debug
    std::unique_ptr<HeapProfiler> heap_;            // with --enable-debug
    HttpServer server_;
};

// True for 127.0.0.0/8, ::1 and "localhost": addresses only this machine reaches.
bool is_loopback_address(const std::string& listen_address);

// Compares a secret in time that does not depend on where the two differ.
bool same_secret(std::string_view given, std::string_view expected) noexcept;

// The job name in "/api/v1/jobs/NAME/run" (percent-decoded), or empty.
std::string job_of_run_path(std::string_view path);
// NAME in "PREFIX" NAME "SUFFIX" (percent-decoded; no '/' or NUL in it), or empty.
std::string name_in_path(std::string_view path, std::string_view prefix, std::string_view suffix);

// The history query of a path and its query string; nullopt when the path is not one, and
// *error set when it is but the query is wrong (unknown key, limit out of 1..1000, a
// status that no run has).
std::optional<HistoryQuery> history_query(std::string_view path, std::string_view query, std::string* error);

HttpResponse json_answer(int status, const nlohmann::json& body);

}  // namespace gaia::serve
