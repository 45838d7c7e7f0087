#pragma once
// What an earlier --metrics-file said of the last successes. The file is replaced whole by
// each run, so a run that fails would otherwise erase when the run and its jobs last
// passed — and the staleness alert (configs/alerts.yml) would lose the very series it
// watches. gaia reads them back and keeps them until something passes again.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gaia::report {

struct PreviousSuccesses {
    std::optional<double> run;            // gaia_run_last_success_timestamp_seconds{run=NAME}
    std::map<std::string, double> jobs;   // gaia_job_last_success_timestamp_seconds{job=...}
};

// A file that is missing or unreadable gives nothing: the first run has no past.
PreviousSuccesses read_previous_successes(const std::string& path, std::string_view run_name);

}  // namespace gaia::report
