#pragma once
// gaia run --resume-failed REPORT: what an earlier run's JSON report says is still to do.
// A job that passed there does not run again (its captures are restored for the jobs that
// need it); one whose instances are listed there runs only those that did not pass; any
// other job (new, never started, not selected then) runs whole. Instances are matched by
// index, or by item where the job has items; a job file changed so that a listed instance
// can no longer be found is refused, naming the job and the instance.

#include "core/jobfile/model.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gaia::run {

struct JobResume {
    enum class Mode {
        all,   // runs whole
        none,  // passed: nothing runs
        some,  // only the instances below
    };
    Mode mode = Mode::all;
    std::vector<std::uint64_t> indices;   // some, for a job whose instances are known now: to run again, by index
    std::vector<nlohmann::json> items;    // some, for a job that finds its items as it starts: matched by value
    std::uint64_t instances_before = 0;   // the job's instances in that run
    nlohmann::json captures = nlohmann::json::object();  // its captures in that run
    // none: what that run counted, for the merged report.
    std::uint64_t passed = 0, attempts = 0, bytes = 0;
    double cpu_s = 0;
};

struct ResumePlan {
    std::string report_path;
    std::string run_id;               // of the earlier run
    std::vector<JobResume> jobs;      // one per job of the set

    // Reads the report and matches it to the job set; nullopt with `error` when the report
    // cannot be read or the job file no longer matches it.
    static std::optional<ResumePlan> from_report(const jobfile::JobSet& set, const std::string& path,
                                                 const std::string& shard, std::string* error);
};

// Whether a job finds its instances only as it starts (a glob, for_each from a capture).
bool items_found_at_start(const jobfile::Job& job);

}  // namespace gaia::run
