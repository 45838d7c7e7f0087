#pragma once
// kind = "dns": ask a DNS server for a name's records and judge the answer (rcode, count,
// values, latency), as blackbox_exporter's dns prober does.

#include "core/run/task.hpp"

namespace gaia::jobs::dns {

class DnsKind final : public run::JobKind {
public:
    const jobfile::KindSchema& schema() const override;
    std::shared_ptr<const jobfile::KindConfig> compile_job(const toml::table& job,
                                                           jobfile::CompileContext& ctx) const override;
    std::optional<std::string> check_capture(std::string_view spec) const override;
    std::shared_ptr<const jobfile::KindConfig> compile_subsystem(const std::vector<const toml::table*>& fragments,
                                                                 jobfile::CompileContext& ctx) const override;
    std::unique_ptr<run::KindRuntime> make_runtime(run::RunEnv& env, const jobfile::KindConfig* subsystem) const override;
    void judge_health(run::HealthCheck& check) const override;
};

// The kind, as jobs/registry.cpp lists it.
const run::JobKind& kind();

}  // namespace gaia::jobs::dns
