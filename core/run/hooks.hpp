#pragma once
// on_failure / on_success (gaia-jobs(5), HOOKS): which hook jobs a finished run calls for,
// and what they see of it. Hooks run as a second, short run once the first has ended —
// also when it was stopped by SIGINT or SIGTERM — before gaia exits.

#include "core/jobfile/model.hpp"
#include "core/run/results.hpp"

#include <string>
#include <vector>

namespace gaia::run {

// One per job of the set: the hooks to run. `ran` says which jobs were in the run; a job
// that failed or was cancelled calls its on_failure, one that passed its on_success, and
// the run as a whole [settings]'s, by whether it passed.
std::vector<bool> hooks_to_run(const jobfile::JobSet& set, const std::vector<JobResult>& results,
                               const std::vector<bool>& ran, bool run_passed);

// {{ run.status }}, {{ run.failed_jobs }}, {{ failed.JOB.error }}, {{ run.report }}.
jobfile::RunOutcome run_outcome(const std::vector<JobResult>& results, const std::vector<bool>& ran, std::string status,
                                std::string report);

}  // namespace gaia::run
