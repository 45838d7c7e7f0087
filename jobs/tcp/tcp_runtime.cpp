#include "jobs/tcp/tcp_runtime.hpp"

#include "core/net/network.hpp"
#include "jobs/tcp/tcp_task.hpp"

namespace gaia::jobs::tcp {

TcpRuntime::TcpRuntime(run::RunEnv& env, const TcpSubsystemConfig& config)
    : env_(env),
      config_(config),
      probes_(env.metrics.counter("gaia_tcp_probes_total", "TCP probes by job and result (passed, failed).",
                                  {"job", "result"})),
      connect_(env.metrics.histogram("gaia_tcp_connect_duration_seconds",
                                     "Time to connect, TLS handshake included, by job.", {"job"})),
      active_(env.metrics.gauge("gaia_tcp_connections_active", "Connections of tcp jobs open now.")
                  .with(metrics::LabelValues{})),
      cert_expiry_(env.metrics.gauge("gaia_tcp_cert_expiry_timestamp_seconds",
                                     "When the certificate a TLS probe was shown expires, by job.", {"job"})) {}

void TcpRuntime::prepare(const jobfile::JobSet& set) {
    // Every series from the start, so that a dashboard's rate() has a zero to start from.
    for (const auto& job : set.jobs) {
        if (job.kind != "tcp") continue;
        probes_.with({job.name, "passed"});
        probes_.with({job.name, "failed"});
    }
}

void TcpRuntime::close() {
    if (own_network_) own_network_->close();
}

std::unique_ptr<run::Task> TcpRuntime::make_task(const jobfile::Job& job) {
    return std::make_unique<TcpTask>(*this, job, static_cast<const TcpJobConfig&>(*job.config));
}

net::Network& TcpRuntime::network() {
    if (env_.network) return *env_.network;
    if (!own_network_) own_network_ = std::make_unique<net::Network>(env_.loop, env_.metrics, jobfile::NetworkSettings{});
    return *own_network_;
}

std::shared_ptr<net::TlsContext> TcpRuntime::tls_context(const TcpJobConfig& job, std::string* error) {
    const auto& settings = network().settings();
    const bool verify = !job.insecure.value_or(settings.insecure);
    const std::string ca_file = job.ca_file.empty() ? settings.ca_file : job.ca_file;
    return tls_.get(verify, ca_file, error);
}

void TcpRuntime::opened() {
    ++open_;
    active_.set(static_cast<double>(open_));
    network().connection_opened();
}

void TcpRuntime::closed() {
    if (open_ > 0) --open_;
    active_.set(static_cast<double>(open_));
    network().connection_closed();
}

void TcpRuntime::finished(const jobfile::Job& job, bool passed, std::optional<double> connect_s,
                          std::optional<std::int64_t> cert_expiry) {
    probes_.with({job.name, passed ? "passed" : "failed"}).inc();
    if (connect_s) connect_.with({job.name}).observe(*connect_s);
    if (cert_expiry) cert_expiry_.with({job.name}).set(static_cast<double>(*cert_expiry));
}

}  // namespace gaia::jobs::tcp
