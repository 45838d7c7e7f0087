#pragma once
// The jobs of `gaia serve`: scheduled jobs run when their `schedule` says, any
// job runs when asked (POST /api/v1/jobs/NAME/run). Each run is one Scheduler over the job
// and what it needs, on subsystems shared by every run of the same job set. A run still
// going when the job is due again is skipped and counted.
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
};

class JobRunner {
public:
    explicit JobRunner(RunnerEnv env);
    ~JobRunner();
    JobRunner(const JobRunner&) = delete;
    JobRunner& operator=(const JobRunner&) = delete;

    // Makes `set` the job set of every run that starts from now on.
    void load(std::unique_ptr<jobfile::JobSet> set);

    enum class Trigger { started, unknown_job, already_running, stopping };
    // Runs the job now (with what it needs); *run_id names the run when it started.
    Trigger trigger(std::string_view job, std::string* run_id);

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
    struct JobState {
        const jobfile::Job* job = nullptr;  // in the current generation's set
        std::optional<jobfile::Schedule> schedule;
        std::optional<std::chrono::system_clock::time_point> next_run;
        loop::HandlePtr<loop::Timer> timer;
        // The wall clock and the loop's monotonic clock when the timer was armed: if the
        // first moved less than the second, the wall clock was set back meanwhile.
        std::chrono::system_clock::time_point armed_wall;
        std::uint64_t armed_ms = 0;
        Run* running = nullptr;
        std::uint64_t runs = 0;
        std::uint64_t skipped = 0;
        nlohmann::json last;  // null until a run of it ended
    };

    std::unique_ptr<Generation> make_generation(std::unique_ptr<jobfile::JobSet> set);
    void arm(const std::string& name, JobState& state);
    void on_due(const std::string& name);
    Run* start_run(JobState& state, const char* why);
    void on_run_finished(Run* run);
    void retire_if_idle(Generation* gen);
    void maybe_shut_down();

    RunnerEnv env_;
    std::unique_ptr<Generation> current_;
    std::list<std::unique_ptr<Generation>> retiring_;
    std::map<std::string, JobState, std::less<>> jobs_;
    std::map<Run*, std::unique_ptr<Run>> runs_;
    bool stopping_ = false;
    loop::HandlePtr<loop::Timer> grace_timer_;
    std::function<void()> shut_down_;
};

}  // namespace gaia::serve
