#pragma once
// The API client pool for one run: the libcurl engine all http jobs share (connections
// are reused across jobs), the [api] limits and the gaia_api_* metrics.

#include "core/run/task.hpp"
#include "jobs/http/admission.hpp"
#include "jobs/http/cookie_jar.hpp"
#include "jobs/http/curl_engine.hpp"
#include "jobs/http/lean_engine.hpp"
#include "jobs/http/http_config.hpp"

namespace gaia::jobs::http {

class ApiPool final : public run::KindRuntime {
public:
    ApiPool(run::RunEnv& env, const ApiConfig& config);
    ~ApiPool() override;

    std::unique_ptr<run::Task> make_task(const jobfile::Job& job) override;
    // The pool's own queue (Admission) holds what its limits hold back, per host: the
    // scheduler's cap would hold every host back for one busy host.
    std::uint32_t capacity() const override { return 0; }
    // An attempt's timeout counts from the moment its request may go.
    bool starts_deadline() const override { return true; }
    void close() override;
    // For the JSON report: per host, its requests and their status codes (0: no response),
    // summed over the methods of gaia_api_requests_total.
    nlohmann::json report() const override;

    Admission& admission() noexcept { return admission_; }
    // The run's cookie jar; null unless [api].cookies or [api].cookie_file.
    CookieJar* cookie_jar() noexcept { return jar_.get(); }
    net::Network& network() noexcept { return *network_; }

    run::RunEnv& env() noexcept { return env_; }
    // The engine for this request: the lean HTTP/1.1 one when it can send it exactly as
    // libcurl would, libcurl otherwise. GAIA_HTTP_ENGINE=curl sends everything through
    // libcurl. Each engine is made on first use: a run without http jobs pays nothing.
    HttpEngine& engine_for(const HttpRequest& request);
    const ApiConfig& config() const noexcept { return config_; }

    void on_started() { in_flight_.inc(); }
    void on_finished(const std::string& host, const std::string& method, long status, double seconds);
    // A request that never started because its host did not resolve: counted as code 0.
    void on_dns_failure(const std::string& host, const std::string& method);
    // An https response: its host's certificate expiry for gaia_api_tls_cert_expiry_timestamp_seconds.
    void on_tls(const std::string& host, const net::TlsFacts& facts);

private:
    void load_cookies();
    void save_cookies();  // at close(): the jar as the run left it

    run::RunEnv& env_;
    bool closed_ = false;
    bool cookie_file_writable_ = false;  // read (or absent): save_cookies() may replace it
    ApiConfig config_;
    std::unique_ptr<net::Network> own_network_;  // when the run gave none (unit tests)
    net::Network* network_;
    std::unique_ptr<CurlEngine> curl_;
    std::unique_ptr<LeanEngine> lean_;
    bool lean_allowed_ = true;
    metrics::Family<metrics::Counter>& requests_;
    metrics::Family<metrics::Histogram>& duration_;
    metrics::Gauge& in_flight_;
    metrics::Family<metrics::Gauge>& cert_expiry_;
    Admission admission_;
    std::unique_ptr<CookieJar> jar_;
};

}  // namespace gaia::jobs::http
