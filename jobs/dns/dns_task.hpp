#pragma once
// One attempt of a dns job: one query on the runtime's channel for its server, judged
// against the job's expectations once the answer (or the last timeout) comes.

#include "core/loop/lifetime.hpp"
#include "core/run/task.hpp"
#include "jobs/dns/dns_config.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace gaia::jobs::dns {

class DnsRuntime;

class DnsTask final : public run::Task {
public:
    DnsTask(DnsRuntime& runtime, const jobfile::Job& job, const DnsJobConfig& config);

    void start(const run::TaskContext& ctx, run::Completion done) override;
    void cancel() override;

private:
    void answered(int status, int timeouts, const std::vector<unsigned char>& message);
    void judge(const Reply& reply, double latency_s);
    void fail(std::string error, bool retryable = true);
    void finish(run::TaskOutcome outcome, std::optional<double> latency_s);
    std::string question() const;

    DnsRuntime& runtime_;
    const jobfile::Job& job_;
    const DnsJobConfig& config_;
    run::Completion done_;
    loop::Lifetime lifetime_;
    std::string name_, servers_;
    std::uint64_t started_ns_ = 0;
    bool counted_ = false;
};

}  // namespace gaia::jobs::dns
