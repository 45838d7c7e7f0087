#include "jobs/http/api_pool.hpp"

#include "core/report/atomic_file.hpp"
#include "jobs/http/http_task.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string_view>

namespace gaia::jobs::http {

ApiPool::ApiPool(run::RunEnv& env, const ApiConfig& config)
    : env_(env), config_(config),
      own_network_(env.network ? nullptr : std::make_unique<net::Network>(env.loop, env.metrics, jobfile::NetworkSettings{})),
      network_(env.network ? env.network : own_network_.get()),
      requests_(env.metrics.counter("gaia_api_requests_total", "HTTP requests by host, method and status code "
                                                               "(code 0: no response).",
                                    {"host", "method", "code"})),
      duration_(env.metrics.histogram("gaia_api_request_duration_seconds", "Duration of HTTP requests.", {"host"})),
      in_flight_(env.metrics.gauge("gaia_api_requests_in_flight", "HTTP requests in flight.").with(metrics::LabelValues{})),
      cert_expiry_(env.metrics.gauge("gaia_api_tls_cert_expiry_timestamp_seconds",
                                     "When the certificate an https host showed last expires (its notAfter), in seconds "
                                     "since the epoch.",
                                     {"host"})),
      admission_(env.loop, config_, env.metrics) {
    if (const char* choice = std::getenv("GAIA_HTTP_ENGINE"); choice && std::string_view(choice) == "curl") {
        lean_allowed_ = false;
    }
    if (config_.cookies) load_cookies();
}

// Read as the run starts, before any request: a small file, and every job may need it.
void ApiPool::load_cookies() {
    jar_ = std::make_unique<CookieJar>();
    if (config_.cookie_file.empty()) return;
    std::ifstream in(config_.cookie_file, std::ios::binary);
    if (!in) {
        if (errno != ENOENT) {
            spdlog::warn("[api].cookie_file {}: {}; starting with no cookies, and leaving the file as it is",
                         config_.cookie_file, std::strerror(errno));
            return;
        }
        cookie_file_writable_ = true;  // a first run: the file is written at the end
        return;
    }
    // Bounded: a wrong path (/dev/zero, a disk image) is refused, not read forever.
    constexpr std::size_t kMaxCookieFile = 16u << 20;
    std::string text;
    char chunk[64 * 1024];
    while (text.size() <= kMaxCookieFile && in.read(chunk, sizeof chunk).gcount() > 0) text.append(chunk, in.gcount());
    if (text.size() > kMaxCookieFile) {
        spdlog::warn("[api].cookie_file {} is larger than 16 MiB: not read (nor overwritten); starting with no cookies",
                     config_.cookie_file);
        return;
    }
    cookie_file_writable_ = true;
    const auto read = jar_->load(text, std::chrono::system_clock::to_time_t(env_.clock->wall()));
    spdlog::debug("[api].cookie_file {}: {} cookie(s)", config_.cookie_file, read);
}

void ApiPool::save_cookies() {
    // A file that could not be read is not replaced by what this run knows.
    if (!jar_ || config_.cookie_file.empty() || !cookie_file_writable_) return;
    const auto error = report::write_file_atomically(
        config_.cookie_file, jar_->save(std::chrono::system_clock::to_time_t(env_.clock->wall())));
    if (!error.empty()) spdlog::error("[api].cookie_file {}: {}", config_.cookie_file, error);
}

ApiPool::~ApiPool() { close(); }

HttpEngine& ApiPool::engine_for(const HttpRequest& request) {
    if (lean_allowed_ && LeanEngine::handles(request)) {
        if (!lean_) lean_ = std::make_unique<LeanEngine>(env_.loop, network_);
        return *lean_;
    }
    if (!curl_) curl_ = std::make_unique<CurlEngine>(env_.loop, network_);  // throws when libcurl cannot load
    return *curl_;
}

void ApiPool::close() {
    if (closed_) return;
    closed_ = true;
    save_cookies();
    admission_.close();
    if (curl_) curl_->close();
    if (lean_) lean_->close();
    if (own_network_) own_network_->close();
}

std::unique_ptr<run::Task> ApiPool::make_task(const jobfile::Job& job) {
    return std::make_unique<HttpTask>(*this, static_cast<const HttpJobConfig&>(*job.config));
}

void ApiPool::on_finished(const std::string& host, const std::string& method, long status, double seconds) {
    in_flight_.dec();
    requests_.with({host, method, std::to_string(status)}).inc();
    duration_.with({host}).observe(seconds);
}

void ApiPool::on_dns_failure(const std::string& host, const std::string& method) {
    requests_.with({host, method, "0"}).inc();
}

nlohmann::json ApiPool::report() const {
    if (requests_.series().empty()) return nullptr;
    // Series are {host, method, code}: summed over the methods.
    std::map<std::string, std::map<std::string, std::uint64_t>> codes_by_host;
    for (const auto& [labels, counter] : requests_.series()) {
        codes_by_host[labels[0]][labels[2]] += static_cast<std::uint64_t>(counter->value());
    }
    nlohmann::json hosts = nlohmann::json::object();
    for (const auto& [host, codes] : codes_by_host) {
        std::uint64_t requests = 0;
        for (const auto& [code, n] : codes) requests += n;
        hosts[host] = {{"requests", requests}, {"codes", codes}};
    }
    return {{"hosts", std::move(hosts)}};
}

void ApiPool::on_tls(const std::string& host, const net::TlsFacts& facts) {
    if (facts.expiry) cert_expiry_.with({host}).set(static_cast<double>(*facts.expiry));
}

}  // namespace gaia::jobs::http
