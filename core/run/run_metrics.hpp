#pragma once
// The run and job metrics (gaia-monitoring(7)), registered once per process.

#include "core/metrics/registry.hpp"

namespace gaia::run {

struct RunMetrics {
    explicit RunMetrics(metrics::Registry& registry);

    metrics::Family<metrics::Counter>& job_runs;         // gaia_job_runs_total{job,kind,status}
    metrics::Family<metrics::Counter>& tasks;            // gaia_tasks_total{job,kind,status}
    metrics::Family<metrics::Histogram>& task_duration;  // gaia_task_duration_seconds{job,kind}
    metrics::Family<metrics::Gauge>& tasks_in_flight;    // gaia_tasks_in_flight{kind}
    metrics::Family<metrics::Counter>& schedule_skipped; // gaia_schedule_skipped_total{job}
    metrics::Family<metrics::Counter>& schedule_missed;  // gaia_schedule_missed_total{job}
    // Staleness, in the node_exporter textfile convention (Unix seconds): an alert sees a
    // cron run that stopped running or stopped passing.
    metrics::Family<metrics::Gauge>& run_last;           // gaia_run_last_timestamp_seconds{run}
    metrics::Family<metrics::Gauge>& run_last_success;   // gaia_run_last_success_timestamp_seconds{run}
    metrics::Family<metrics::Gauge>& run_stale_after;    // gaia_run_stale_after_seconds{run}
    metrics::Family<metrics::Gauge>& job_last_success;   // gaia_job_last_success_timestamp_seconds{job}
};

}  // namespace gaia::run
