#pragma once
// What a run produced, job by job: the input of every report.

#include "core/jobfile/model.hpp"
#include "core/run/activity_timeline.hpp"
#include "core/run/instance_log.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gaia::run {

enum class JobStatus { pending, running, passed, failed, skipped, cancelled };
std::string_view to_string(JobStatus s);

struct LatencySummary {
    double p50 = 0, p95 = 0, p99 = 0, max = 0;  // seconds
};

struct JobResult {
    const jobfile::Job* job = nullptr;
    JobStatus status = JobStatus::pending;
    std::uint64_t instances = 0;  // known once the job starts (for_each from a capture)
    std::uint64_t passed = 0, failed = 0, cancelled = 0;
    std::uint64_t attempts = 0;
    std::uint64_t bytes = 0;
    double cpu_s = 0;                  // summed over instances
    std::uint64_t peak_rss_bytes = 0;  // the largest of any instance
    std::vector<float> durations;  // seconds of each finished instance (last attempt)
    std::string first_error;
    nlohmann::json captures = nlohmann::json::object();
    nlohmann::json details = nlohmann::json::object();  // of the first failed (or only) instance
    double started_s = 0, finished_s = 0;               // seconds since the run started
    ActivityTimeline activity;                          // every instance that ran, over time
    bool instances_known = false;
    std::vector<nlohmann::json> items;  // each instance's {{ item }} (for_each, a glob's matches)
    InstanceLog instance_log;           // the instances the run chose to record, by index
    NotLaunched not_launched;           // what a stop left unlaunched
    // --resume-failed: the instances that passed in the earlier run and did not run again
    // (all of them for a job that passed there: `restored`).
    std::uint64_t passed_before = 0;
    bool restored = false;

    std::uint64_t done() const noexcept { return passed + failed + cancelled; }
    LatencySummary latency() const;
};

// Nearest-rank percentile of an unsorted sample (q in [0, 1]); 0 for no sample.
double percentile(std::vector<float> sample, double q);
// p50, p95, p99 and max of a sample of seconds.
LatencySummary summarize(const std::vector<float>& seconds);

}  // namespace gaia::run
