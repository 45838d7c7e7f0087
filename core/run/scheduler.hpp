#pragma once
// The scheduler: runs a job set on the loop. Jobs start when their needs have passed
// (a failed need skips them), fan out into instances, and instances start under the
// global, per-job and per-subsystem concurrency limits and the job's rate. Attempts get
// the job's timeout and retries; a stop (signal, run timeout, fail_fast) cancels what
// runs and waits until every task has really ended.

#include "core/jobfile/model.hpp"
#include "core/loop/lifetime.hpp"
#include "core/loop/timer.hpp"
#include "core/run/results.hpp"
#include "core/run/resume.hpp"
#include "core/run/run_metrics.hpp"
#include "core/run/task.hpp"
#include "core/run/token_bucket.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace gaia::run {

struct RunOptions {
    std::uint32_t concurrency = 256;
    bool fail_fast = false;
    std::optional<jobfile::Duration> timeout;
    std::vector<bool> selected;  // per job; empty selects all
    std::string run_id;
    std::uint64_t shard_index = 1;  // --shard K/N: run the K-th of N slices of every fan-out
    std::uint64_t shard_count = 1;
    // Which instances the results keep one by one (JobResult::instance_log).
    InstanceScope record_instances = InstanceScope::failed;
    // --resume-failed: what an earlier run left to do (outlives the scheduler).
    const ResumePlan* resume = nullptr;
    // A run of hook jobs: how the run they follow ended (outlives the scheduler).
    const jobfile::RunOutcome* outcome = nullptr;
    // --artifacts DIR: failed attempts leave their artifacts under it. Empty: none, unless a
    // kind asks for them itself (then under kDefaultArtifactRoot).
    std::string artifacts_dir;
};

// A fresh run id: 16 random hex digits (`{{ run.id }}`, reports, gaia serve's runs).
std::string new_run_id();

enum class StopCause { none, interrupted, terminated, timeout, fail_fast, replaced };

class Scheduler {
public:
    using Runtimes = std::map<std::string, KindRuntime*, std::less<>>;  // by kind name

    Scheduler(RunEnv& env, const jobfile::JobSet& set, RunOptions options, Runtimes runtimes, RunMetrics& metrics);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    // Starts the run; on_finished is called on a later loop turn once every job is done.
    void start(std::function<void()> on_finished);
    // Stops starting work and cancels what runs. The first cause is kept.
    void stop(StopCause cause);

    bool finished() const noexcept { return finished_; }
    StopCause stop_cause() const noexcept { return stop_cause_; }
    double elapsed_s() const noexcept;
    std::size_t tasks_in_flight() const noexcept { return in_flight_; }

    // One per job of the set, in file order; unselected jobs stay pending.
    const std::vector<JobResult>& results() const noexcept { return results_; }
    bool selected(std::size_t job) const noexcept;
    const RunOptions& options() const noexcept { return options_; }

    // Called as each job reaches its final status.
    std::function<void(const JobResult&)> on_job_finished;
    // Called as each instance ends (after its retries).
    std::function<void(const jobfile::Job&, const InstanceEnd&)> on_instance_finished;

    // A service that jobs of this run need has gone away: fail them.
    void service_lost(const jobfile::Job& service, const std::string& reason);

private:
    struct JobState;
    struct Attempt;

    void activate(JobState& s);
    void begin_instances(JobState& s);
    void fail_before_instances(JobState& s, std::string error);
    void cancel_before_instances(JobState& s);
    jobfile::RenderScope job_scope() const;
    void maybe_activate(JobState& s);
    bool upstream_failed(const JobState& s) const;
    void skip(JobState& s, std::string reason);
    void restore_passed(JobState& s, const JobResume& earlier);
    void pick_instances(JobState& s, const JobResume& earlier);
    void leave_unlaunched(JobState& s, TaskStatus status, const std::string& reason);
    void pump();
    void launch(JobState& s, std::uint64_t index);
    void begin_attempt(Attempt* a);
    void on_attempt_done(Attempt* a, TaskOutcome outcome);
    void save_artifacts(Attempt* a, TaskOutcome outcome, double seconds);
    void after_attempt(Attempt* a, TaskOutcome outcome, double seconds);  // retry, or the instance's end
    void protect_secret_captures(const jobfile::Job& job, const TaskOutcome& outcome);
    void finish_instance(Attempt* a, TaskOutcome outcome, double seconds);
    void record_instance(const Attempt& a, const TaskOutcome& outcome, double seconds);
    void check_job_done(JobState& s);
    void finalize_job(JobState& s);
    void publish_exports(const jobfile::Job& job, const JobResult& r);
    void release_dependents(JobState& s);
    void maybe_finish();
    void on_job_terminal(JobState& s);
    void maybe_release(JobState& s);
    void arm_rate_timer(std::uint64_t wait_ns);
    std::string stop_reason() const;
    const nlohmann::json* capture_of(std::string_view job, std::string_view capture) const;

    RunEnv& env_;
    const jobfile::JobSet& set_;
    RunOptions options_;
    Runtimes runtimes_;
    RunMetrics& metrics_;
    std::vector<JobState> states_;
    std::vector<JobResult> results_;
    std::vector<std::size_t> order_;  // topological
    std::map<std::string, std::size_t, std::less<>> job_index_;  // by name
    std::map<Attempt*, std::unique_ptr<Attempt>> live_;
    std::map<KindRuntime*, std::uint32_t> runtime_in_flight_;
    std::size_t in_flight_ = 0;
    std::uint64_t launched_ = 0;  // instances launched so far in the run
    loop::HandlePtr<loop::Timer> rate_timer_;
    std::uint64_t rate_deadline_ns_ = 0;
    loop::HandlePtr<loop::Timer> run_timer_;
    std::function<void()> on_finished_;
    std::set<std::string> warned_short_;  // "job.capture" of short secret captures warned about
    std::uint64_t started_ns_ = 0;
    bool stopping_ = false;
    bool finished_ = false;
    bool pumping_ = false;
    bool pump_posted_ = false;
    bool owns_service_lost_ = false;
    StopCause stop_cause_ = StopCause::none;
    std::mt19937_64 random_{std::random_device{}()};
    loop::Lifetime life_;  // artifacts being written answer only while the scheduler exists
};

}  // namespace gaia::run
