#pragma once
// gaia report merge: the JSON reports of the shards of one run — gaia run --shard K/N for
// every K of one N, over the same job files and --var values — made into the reports one
// run without --shard would have written (gaia-run(1), SHARDING).
//
// A fan-out's counts are summed and its verdict judged again over all its instances with
// the job's success_rate and latency thresholds, its percentiles read from the shards'
// latency histograms summed (within 1%), its captures and instance lines put together in
// index order. A job that is not a fan-out ran once per shard (or in shard 1 only, with
// shard = "first"): the merged report shows the run of it that went worst, so that a setup
// step that failed on one machine is not hidden by the others.

#include "core/report/previous_metrics.hpp"
#include "core/report/run_report.hpp"
#include "core/report/shard_report.hpp"
#include "core/run/latency_histogram.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gaia::report {

class ReportMerge {
public:
    // Takes one shard's report (in any order); "" or why it does not belong with the others.
    std::string add(ShardReport shard);
    // After the last one: "" or which shards are missing.
    std::string finish();

    // How the merged run ended, as gaia run would say it: passed, failed, interrupted,
    // terminated, timeout.
    const std::string& status() const noexcept { return status_; }
    // A hook (on_success, on_failure) failed in some shard: the run fails though its jobs passed.
    bool hook_failed() const noexcept { return hook_failed_; }
    std::size_t shard_count() const noexcept { return shards_.size(); }
    std::string run_name() const { return run_.value("name", ""); }
    // Whether the shards listed every instance (--report-instances all), not only failures.
    bool lists_every_instance() const { return run_.value("instances_listed", "") == "all"; }

    struct JobLine {
        std::string name, kind, first_error;
        run::JobStatus status = run::JobStatus::pending;
        bool allow_failure = false;
        std::uint64_t instances = 0, failed = 0;
        run::LatencySummary latency;
        double duration_s = 0;
    };
    // The merged jobs, in the order of the report, for a summary on the terminal.
    std::vector<JobLine> summary() const;

    // Each returns "" or the problem (a shard file that can no longer be read).
    std::string write_json(const ReportOut& out);
    std::string write_junit(bool instances, const text::Redactor& redactor, const ReportOut& out);
    // The run and job metrics of gaia run's --metrics-file, for the merged run.
    std::string metrics_text(const PreviousSuccesses& previous) const;

private:
    struct Job {
        nlohmann::ordered_json json;  // its object in the merged "jobs"
        std::string name, kind;
        bool fan_out = false, allow_failure = false;
        run::JobStatus status = run::JobStatus::pending;
        // Where it is in the shards whose runs of it the merged report shows: (shard, its
        // position in that shard's jobs), by shard.
        std::vector<std::pair<std::size_t, std::size_t>> runs;
        run::LatencyHistogram latency;
    };

    std::string check_alike(ShardReport& next);
    const nlohmann::ordered_json& job_in(std::pair<std::size_t, std::size_t> run) const;
    std::string merge_fan_out(Job& job);
    void merge_single(Job& job);
    // Its start, end and activity over the runs it keeps, on the merged run's clock.
    std::string place_in_time(Job& job);
    void merge_run();

    std::vector<ShardReport> shards_;  // by K once finish() has sorted them
    // How long after the earliest shard each shard's run started (to the second: the
    // precision of a report's "started").
    std::vector<double> offsets_s_;
    // Fan-out captures, put together as the shards come in (each shard holds its own
    // instances' values and nulls elsewhere): job name → capture name → values.
    std::map<std::string, std::map<std::string, nlohmann::json>, std::less<>> captures_;
    std::vector<Job> jobs_;
    nlohmann::ordered_json run_;
    std::string status_;
    bool hook_failed_ = false;
    double ended_ = 0;  // Unix seconds: the last shard's end
};

}  // namespace gaia::report
