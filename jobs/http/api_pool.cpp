#include "jobs/http/api_pool.hpp"

#include "jobs/http/http_task.hpp"

namespace gaia::jobs::http {

ApiPool::ApiPool(run::RunEnv& env, const ApiConfig& config)
    : env_(env), config_(config),
      requests_(env.metrics.counter("gaia_api_requests_total", "HTTP requests by host, method and status code "
                                                               "(code 0: no response).",
                                    {"host", "method", "code"})),
      duration_(env.metrics.histogram("gaia_api_request_duration_seconds", "Duration of HTTP requests.", {"host"})),
      in_flight_(env.metrics.gauge("gaia_api_requests_in_flight", "HTTP requests in flight.").with(metrics::LabelValues{})),
      admission_(env.loop, config_, env.metrics) {}

ApiPool::~ApiPool() { close(); }

CurlEngine& ApiPool::engine() {
    if (!engine_) engine_ = std::make_unique<CurlEngine>(env_.loop);
    return *engine_;
}

void ApiPool::close() {
    admission_.close();
    if (engine_) engine_->close();
}

std::unique_ptr<run::Task> ApiPool::make_task(const jobfile::Job& job) {
    return std::make_unique<HttpTask>(*this, job, static_cast<const HttpJobConfig&>(*job.config));
}

void ApiPool::on_finished(const std::string& host, const std::string& method, long status, double seconds) {
    in_flight_.dec();
    requests_.with({host, method, std::to_string(status)}).inc();
    duration_.with({host}).observe(seconds);
}

}  // namespace gaia::jobs::http
