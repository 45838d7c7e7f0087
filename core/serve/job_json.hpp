#pragma once
// The JSON of /api/v1/jobs, one shape for gaia serve and gaia run --listen.

#include "core/jobfile/model.hpp"
#include "core/text/redactor.hpp"
#include "core/run/results.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace gaia::serve {

// One ended run of a job: {run_id, job, trigger, status, started, duration_s, instances,
// passed, failed, cancelled, p95_s, error}; the error is redacted. The state database's run
// summaries have the same shape.
struct RunFacts {
    std::string run_id;
    std::string trigger;  // "schedule", "api" or "run"
    std::chrono::system_clock::time_point started;
    double duration_s = 0;
};
nlohmann::json last_run_json(const run::JobResult& result, const RunFacts& run, const text::Redactor& redactor);

// One job: {name, kind, tags, schedule, overlap, paused, next_run, running, waiting, runs,
// skipped, last}.
struct JobFacts {
    std::optional<std::chrono::system_clock::time_point> next_run;
    bool running = false;
    std::uint64_t runs = 0;
    std::uint64_t skipped = 0;
    nlohmann::json last;  // last_run_json, or null
    bool schedules_apply = true;  // false in gaia run, which ignores `schedule`: null then
    bool paused = false;
    bool waiting = false;  // a run waits for the one going (overlap queue or replace)
};
nlohmann::json job_json(const jobfile::Job& job, const JobFacts& facts);

// The whole answer: {name, files, jobs}.
nlohmann::json jobs_answer(const jobfile::JobSet& set, nlohmann::json jobs);

}  // namespace gaia::serve
