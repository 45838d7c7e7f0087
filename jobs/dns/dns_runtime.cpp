#include "jobs/dns/dns_runtime.hpp"

#include "core/net/network.hpp"
#include "jobs/dns/dns_task.hpp"

#include <stdexcept>

namespace gaia::jobs::dns {

DnsRuntime::DnsRuntime(run::RunEnv& env, const DnsSubsystemConfig& config)
    : env_(env),
      config_(config),
      queries_(env.metrics.counter("gaia_dns_queries_total", "DNS queries of dns jobs by job and result (passed, failed).",
                                   {"job", "result"})),
      duration_(env.metrics.histogram("gaia_dns_query_duration_seconds", "Time to the DNS server's answer, by job.",
                                      {"job"})),
      in_flight_(env.metrics.gauge("gaia_dns_queries_in_flight", "DNS queries of dns jobs waiting for an answer.")
                     .with(metrics::LabelValues{})) {}

void DnsRuntime::prepare(const jobfile::JobSet& set) {
    for (const auto& job : set.jobs) {
        if (job.kind != "dns") continue;
        queries_.with({job.name, "passed"});
        queries_.with({job.name, "failed"});
    }
}

std::unique_ptr<run::Task> DnsRuntime::make_task(const jobfile::Job& job) {
    return std::make_unique<DnsTask>(*this, job, static_cast<const DnsJobConfig&>(*job.config));
}

net::AresChannel* DnsRuntime::channel(const std::string& server, std::string* error) {
    auto& channel = channels_[server];
    if (channel) return channel.get();
    net::AresOptions options;
    if (!server.empty()) options.servers = {server};
    else if (env_.network) options.servers = env_.network->settings().dns_servers;
    options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config_.timeout);
    options.tries = static_cast<int>(config_.tries);
    try {
        channel = std::make_unique<net::AresChannel>(env_.loop, options);
    } catch (const std::runtime_error& e) {
        *error = e.what();
        channels_.erase(server);
        return nullptr;
    }
    return channel.get();
}

void DnsRuntime::started() {
    ++active_;
    in_flight_.set(static_cast<double>(active_));
}

void DnsRuntime::abandoned() {
    if (active_ > 0) --active_;
    in_flight_.set(static_cast<double>(active_));
}

void DnsRuntime::finished(const jobfile::Job& job, bool passed, std::optional<double> latency_s) {
    if (active_ > 0) --active_;
    in_flight_.set(static_cast<double>(active_));
    queries_.with({job.name, passed ? "passed" : "failed"}).inc();
    if (latency_s) duration_.with({job.name}).observe(*latency_s);
}

void DnsRuntime::close() {
    for (auto& [server, channel] : channels_) channel->close();
}

void DnsRuntime::kill_now() noexcept { close(); }

}  // namespace gaia::jobs::dns
