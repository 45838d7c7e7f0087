#pragma once
// The process manager subsystem for one run: the [process] limits, the set of live process
// groups (so that nothing outlives gaia) and the gaia_process_* metrics.

#include "core/run/task.hpp"
#include "jobs/process/process_config.hpp"

#include <set>

namespace gaia::jobs::process {

class ProcessManager final : public run::KindRuntime {
public:
    ProcessManager(run::RunEnv& env, const ProcessSubsystemConfig& config);
    ~ProcessManager() override;

    std::unique_ptr<run::Task> make_task(const jobfile::Job& job) override;
    std::uint32_t capacity() const override { return config_.max; }
    void kill_now() noexcept override;

    run::RunEnv& env() noexcept { return env_; }
    const ProcessSubsystemConfig& config() const noexcept { return config_; }

    void on_spawned(int pgid);
    void on_exited(const jobfile::Job& job, std::string_view status, double seconds);
    void on_group_gone(int pgid);

private:
    run::RunEnv& env_;
    ProcessSubsystemConfig config_;
    std::set<int> groups_;  // process groups that may still have members
    metrics::Gauge& active_;
    metrics::Family<metrics::Counter>& exits_;
    metrics::Histogram& duration_;
};

}  // namespace gaia::jobs::process
