#include "core/serve/job_json.hpp"

#include "core/report/run_report.hpp"

namespace gaia::serve {

nlohmann::json last_run_json(const run::JobResult& result, const RunFacts& run, const text::Redactor& redactor) {
    return {
        {"run_id", run.run_id},
        {"job", result.job ? nlohmann::json(result.job->name) : nlohmann::json(nullptr)},
        {"trigger", run.trigger},
        {"status", std::string(run::to_string(result.status))},
        {"started", report::iso8601_utc(run.started)},
        {"duration_s", run.duration_s},
        {"instances", result.instances},
        {"passed", result.passed},
        {"failed", result.failed},
        {"cancelled", result.cancelled},
        {"p95_s", result.latency().p95},
        {"error", result.first_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(redactor.scrub(result.first_error))},
    };
}

nlohmann::json job_json(const jobfile::Job& job, const JobFacts& facts) {
    return {
        {"name", job.name},
        {"kind", job.kind},
        {"tags", job.tags},
        {"schedule", job.schedule.empty() || !facts.schedules_apply ? nlohmann::json(nullptr) : nlohmann::json(job.schedule)},
        {"timezone", job.scheduling.timezone.empty() ? nlohmann::json(nullptr) : nlohmann::json(job.scheduling.timezone)},
        {"overlap", std::string(jobfile::to_string(job.scheduling.overlap))},
        {"paused", facts.paused},
        {"next_run", facts.next_run ? nlohmann::json(report::iso8601_utc(*facts.next_run)) : nlohmann::json(nullptr)},
        {"running", facts.running},
        {"waiting", facts.waiting},
        {"runs", facts.runs},
        {"skipped", facts.skipped},
        {"last", facts.last},
    };
}

nlohmann::json jobs_answer(const jobfile::JobSet& set, nlohmann::json jobs) {
    return {{"name", set.name}, {"files", set.files}, {"jobs", std::move(jobs)}};
}

}  // namespace gaia::serve
