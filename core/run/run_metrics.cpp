#include "core/run/run_metrics.hpp"

namespace gaia::run {

RunMetrics::RunMetrics(metrics::Registry& registry)
    : job_runs(registry.counter("gaia_job_runs_total", "Job runs by final status.", {"job", "kind", "status"})),
      tasks(registry.counter("gaia_tasks_total", "Task instances by final status.", {"job", "kind", "status"})),
      task_duration(registry.histogram("gaia_task_duration_seconds", "Duration of finished task instances.",
                                       {"job", "kind"})),
      tasks_in_flight(registry.gauge("gaia_tasks_in_flight", "Task instances running now.", {"kind"})),
      schedule_skipped(registry.counter("gaia_schedule_skipped_total",
                                        "Scheduled runs skipped because the previous run was still going.", {"job"})),
      schedule_missed(registry.counter("gaia_schedule_missed_total",
                                       "Scheduled runs not made up: due while gaia was not running or the machine "
                                       "slept, outside the job's catchup window.",
                                       {"job"})),
      run_last(registry.gauge("gaia_run_last_timestamp_seconds", "When a run of the job set last ended (Unix time).",
                              {"run"})),
      run_last_success(registry.gauge("gaia_run_last_success_timestamp_seconds",
                                      "When a run of the job set last ended with every job passed (Unix time).", {"run"})),
      run_stale_after(registry.gauge("gaia_run_stale_after_seconds",
                                     "[settings].stale_after: how long without a passing run is too long.", {"run"})),
      job_last_success(registry.gauge("gaia_job_last_success_timestamp_seconds",
                                      "When the job last passed (Unix time).", {"job"})) {}

}  // namespace gaia::run
