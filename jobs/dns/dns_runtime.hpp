#pragma once
// The dns subsystem of one run: one c-ares channel per server the jobs ask (the
// [network].dns_servers, or resolv.conf's, unless a job names its own), and its metrics.

#include "core/net/ares_channel.hpp"
#include "core/run/task.hpp"
#include "jobs/dns/dns_config.hpp"

#include <map>
#include <memory>
#include <string>

namespace gaia::jobs::dns {

class DnsRuntime final : public run::KindRuntime {
public:
    DnsRuntime(run::RunEnv& env, const DnsSubsystemConfig& config);

    std::unique_ptr<run::Task> make_task(const jobfile::Job& job) override;
    std::uint32_t capacity() const override { return config_.max; }
    void prepare(const jobfile::JobSet& set) override;
    void close() override;
    void kill_now() noexcept override;

    run::RunEnv& env() noexcept { return env_; }
    const DnsSubsystemConfig& config() const noexcept { return config_; }

    // The channel to `server` ("" for the run's default servers), made at first use; null
    // and *error when c-ares cannot start.
    net::AresChannel* channel(const std::string& server, std::string* error);

    void started();
    void abandoned();  // cancelled: no longer in flight, and neither passed nor failed
    void finished(const jobfile::Job& job, bool passed, std::optional<double> latency_s);

private:
    run::RunEnv& env_;
    DnsSubsystemConfig config_;
    std::map<std::string, std::unique_ptr<net::AresChannel>> channels_;
    metrics::Family<metrics::Counter>& queries_;
    metrics::Family<metrics::Histogram>& duration_;
    metrics::Gauge& in_flight_;
    std::uint64_t active_ = 0;
};

}  // namespace gaia::jobs::dns
