#include "jobs/process/process_manager.hpp"

#include "jobs/process/process_task.hpp"

#include <sys/prctl.h>

#include <csignal>

namespace gaia::jobs::process {

ProcessManager::ProcessManager(run::RunEnv& env, const ProcessSubsystemConfig& config)
    : env_(env), config_(config),
      active_(env.metrics.gauge("gaia_process_active", "Child processes running now.").with(metrics::LabelValues{})),
      exits_(env.metrics.counter("gaia_process_exits_total",
                                 "Child process exits by job and status (success, failure, killed, spawn_error).",
                                 {"job", "status"})),
      duration_(env.metrics.histogram("gaia_process_duration_seconds", "Wall time of child processes.")
                    .with(metrics::LabelValues{})) {
    // Orphans of a job (a shell's background children) are re-parented to gaia instead of
    // to init, so that gaia can reap them and prove its process groups empty.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

ProcessManager::~ProcessManager() { kill_now(); }

std::unique_ptr<run::Task> ProcessManager::make_task(const jobfile::Job& job) {
    return std::make_unique<ProcessTask>(*this, job, static_cast<const ProcessJobConfig&>(*job.config));
}

void ProcessManager::kill_now() noexcept {
    for (int pgid : groups_) ::kill(-pgid, SIGKILL);
    groups_.clear();
}

void ProcessManager::on_spawned(int pgid) {
    groups_.insert(pgid);
    active_.inc();
}

void ProcessManager::on_exited(const jobfile::Job& job, std::string_view status, double seconds) {
    exits_.with({job.name, std::string(status)}).inc();
    if (status != "spawn_error") {
        active_.dec();
        duration_.observe(seconds);
    }
}

void ProcessManager::on_group_gone(int pgid) { groups_.erase(pgid); }

}  // namespace gaia::jobs::process
