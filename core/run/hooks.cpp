#include "core/run/hooks.hpp"

namespace gaia::run {
namespace {

bool failed(const JobResult& r) { return r.status == JobStatus::failed || r.status == JobStatus::cancelled; }

}  // namespace

std::vector<bool> hooks_to_run(const jobfile::JobSet& set, const std::vector<JobResult>& results,
                               const std::vector<bool>& ran, bool run_passed) {
    std::vector<bool> hooks(set.jobs.size(), false);
    auto call = [&](const std::vector<std::string>& names) {
        for (const auto& name : names) {
            const auto i = set.index_of(name);
            if (i < hooks.size()) hooks[i] = true;
        }
    };
    for (std::size_t i = 0; i < results.size(); ++i) {
        if (!ran[i]) continue;
        const auto& r = results[i];
        if (failed(r)) call(r.job->on_failure);
        if (r.status == JobStatus::passed) call(r.job->on_success);
    }
    call(run_passed ? set.settings.on_success : set.settings.on_failure);
    return hooks;
}

jobfile::RunOutcome run_outcome(const std::vector<JobResult>& results, const std::vector<bool>& ran, std::string status,
                                std::string report) {
    jobfile::RunOutcome o;
    o.status = std::move(status);
    o.report = std::move(report);
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& r = results[i];
        if (!ran[i] || !failed(r)) continue;
        o.failed_jobs += (o.failed_jobs.empty() ? "" : ", ") + r.job->name;
        o.errors[r.job->name] = r.first_error;
    }
    return o;
}

}  // namespace gaia::run
