#pragma once
// The jobs of `gaia serve`: scheduled jobs run when their `schedule` says, any
// job runs when asked (POST /api/v1/jobs/NAME/run). Each run is one Scheduler over the job
// and what it needs, on subsystems shared by every run of the same job set. A job due again
// while its run goes on follows its `overlap` (skip and count, queue one, or replace); a
// paused job's schedule does not fire; a fire time missed while gaia was not running or the
// machine slept runs late only within the job's `catchup` window.
//
// With a state database (RunHistory), every ended run is recorded, and each job's pause,
// next fire time and counts are saved whenever they change: a restart goes on from them.
//
// Reloading (SIGHUP) makes a new generation: the new job set with subsystems of its own
// (its [api], [browser]… tables may have changed). Runs already going finish on the old
// generation, which is drained and closed once its last run ends. What a job did last and
// when it runs next survive a reload for jobs of the same name.

#include "core/jobfile/model.hpp"
#include "core/loop/child_watcher.hpp"
#include "core/loop/timer.hpp"

#include <cstdint>
#include "core/run/results.hpp"
#include "core/run/run_metrics.hpp"
#include "core/jobfile/schedule.hpp"
#include "core/run/task.hpp"
#include "core/serve/health.hpp"
#include "core/serve/run_history.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::run {
class Scheduler;
}

namespace gaia::serve {

// What the runner shares with the rest of gaia serve; all outlive it.
struct RunnerEnv {
    loop::Loop& loop;
    loop::ChildWatcher& children;
    metrics::Registry& registry;
    text::Redactor& redactor;
    run::OutputSink& output;
    run::RunMetrics& metrics;
    Health& health;
    std::vector<const run::JobKind*> kinds;  // every kind gaia knows (jobs/registry)
    // Schedules are planned on its wall clock; runs and tasks read it too.
    const loop::Clock* clock = &loop::Clock::system();
    RunHistory* history = nullptr;  // the state database; none: nothing outlives the process
};

class JobRunner {
public:
    explicit JobRunner(RunnerEnv env);
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    // Makes `set` the job set of every run that starts from now on.
    void load(std::unique_ptr<jobfile::JobSet> set);

    enum class Trigger { started, queued, replacing, unknown_job, already_running, already_queued, stopping };
    // Runs the job now (with what it needs), or as its `overlap` says when a run of it is
    // going; *run_id names the run started, or the one going.
    Trigger trigger(std::string_view job, std::string* run_id);

    enum class Pause { done, unknown_job, no_schedule };
    // Stops or starts the job's schedule; kept across restarts and reloads.
    Pause set_paused(std::string_view job, bool paused);

    // True for a job of the current job set.
    bool knows(std::string_view job) const;

    // GET /api/v1/jobs: each job, its kind, schedule, last result, next run.
    nlohmann::json jobs_json() const;

    // Why a subsystem of the current job set cannot work at all; empty when it can.
    std::string unavailable(std::string_view subsystem) const;

    // No run starts from now on; runs going get `grace`, then are cancelled; `done` comes
    // once every run has ended and every subsystem is closed (browsers, services).
    void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

    // gaia must die now (a second SIGINT): every subsystem stops what it runs, no grace.
    void kill_now() noexcept;

    std::size_t runs_in_flight() const noexcept { return runs_.size(); }

private:
    struct Generation;
    struct Run;
    using TimePoint = std::chrono::system_clock::time_point;
    struct JobState {
        const jobfile::Job* job = nullptr;  // in the current generation's set
        std::optional<jobfile::Schedule> schedule;
        std::chrono::microseconds jitter{0};  // every fire time is this much later
        std::optional<TimePoint> next_run;
        loop::HandlePtr<loop::Timer> timer;
        // The wall clock and the loop's monotonic clock when the timer was armed: if the
        // first moved less than the second, the wall clock was set back meanwhile.
        std::chrono::system_clock::time_point armed_wall;
        std::uint64_t armed_ms = 0;
        Run* running = nullptr;
        // The trigger of the run that starts once the running one has ended (overlap queue
        // or replace); null when none waits.
        const char* waiting = nullptr;
        std::uint64_t runs = 0;
        std::uint64_t skipped = 0;
        bool paused = false;
        bool file_paused = false;  // the job file's `paused` when last loaded
        nlohmann::json last;  // null until a run of it ended
    };

    std::unique_ptr<Generation> make_generation(std::unique_ptr<jobfile::JobSet> set);
    // Its schedule, pause and next fire time from the job file and, on the first load,
    // from what the state database kept (a catch-up run may start).
    void plan(JobState& state, TimePoint now, const StoredJob* saved);
    // The first fire time after `after`, jitter included; `after_due`: `after` is the fire
    // time that was just due (which has the jitter in it already).
    std::optional<TimePoint> next_fire(const JobState& state, TimePoint after, bool after_due = false) const;
    void arm(const std::string& name, JobState& state);
    void on_due(const std::string& name);
    // The job is due (on its schedule, late, or on request): run it, or follow its overlap.
    Trigger due_now(JobState& state, const char* why);
    // A fire time was missed by `late` (`cause` says how): it runs now as a catch-up when
    // `in_window`, else it is counted in gaia_schedule_missed_total.
    void catch_up_or_miss(JobState& state, std::chrono::system_clock::duration late, bool in_window, const char* cause);
    Run* start_run(JobState& state, const char* why);
    void save(const std::string& name, const JobState& state);
    void on_run_finished(Run* run);
    void retire_if_idle(Generation* gen);
    void maybe_shut_down();

    RunnerEnv env_;
    std::unique_ptr<Generation> current_;
    std::list<std::unique_ptr<Generation>> retiring_;
    std::map<std::string, JobState, std::less<>> jobs_;
    std::map<Run*, std::unique_ptr<Run>> runs_;
    bool stopping_ = false;
    bool restored_ = false;  // the state database's jobs were applied (first load only)
    loop::HandlePtr<loop::Timer> grace_timer_;
    std::function<void()> shut_down_;
};

}  // namespace gaia::serve
