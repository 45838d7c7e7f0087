#pragma once
// The tcp subsystem of one run: its limits, its metrics and the TLS contexts its probes
// share (the trust store is read once per CA file).

#include "core/net/tls.hpp"
#include "core/run/task.hpp"
#include "jobs/tcp/tcp_config.hpp"

#include <map>
#include <memory>
#include <string>

namespace gaia::jobs::tcp {

class TcpRuntime final : public run::KindRuntime {
public:
    TcpRuntime(run::RunEnv& env, const TcpSubsystemConfig& config);

    std::unique_ptr<run::Task> make_task(const jobfile::Job& job) override;
    std::uint32_t capacity() const override { return config_.max; }
    void prepare(const jobfile::JobSet& set) override;
    void close() override;

    run::RunEnv& env() noexcept { return env_; }
    const TcpSubsystemConfig& config() const noexcept { return config_; }
    net::Network& network();

    // The TLS context for this job (its CA file and verification, else [network]'s), made
    // once; null and *error when the CA file cannot be read.
    std::shared_ptr<net::TlsContext> tls_context(const TcpJobConfig& job, std::string* error);

    // What probes report.
    void opened();
    void closed();
    void finished(const jobfile::Job& job, bool passed, std::optional<double> connect_s,
                  std::optional<std::int64_t> cert_expiry);

private:
    run::RunEnv& env_;
    TcpSubsystemConfig config_;
    std::unique_ptr<net::Network> own_network_;  // tests that run without a coordinator
    net::TlsContexts tls_;
    metrics::Family<metrics::Counter>& probes_;
    metrics::Family<metrics::Histogram>& connect_;
    metrics::Gauge& active_;
    metrics::Family<metrics::Gauge>& cert_expiry_;
    std::uint64_t open_ = 0;
};

}  // namespace gaia::jobs::tcp
