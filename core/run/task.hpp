#pragma once
// The one interface every job kind implements: a kind compiles its
// keys (jobfile::KindCompiler), builds a runtime for its subsystem once per run, and the
// runtime makes one Task per attempt.

#include "core/build_info.hpp"
#include "core/jobfile/kind_compiler.hpp"
#include "core/jobfile/model.hpp"
#include "core/loop/child_watcher.hpp"
#include "core/loop/clock.hpp"
#include "core/loop/loop.hpp"
#include "core/metrics/registry.hpp"
#include "core/run/artifacts.hpp"
#include "core/run/health_check.hpp"
#include "core/run/instance_log.hpp"
#include "core/net/network.hpp"
#include "core/text/redactor.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::run {

struct TaskOutcome {
    TaskStatus status = TaskStatus::failed;
    std::string error;       // the first problem, when failed
    bool retryable = true;   // false when another attempt cannot help (bad configuration)
    std::map<std::string, nlohmann::json> captures;
    std::uint64_t bytes = 0;
    double cpu_s = 0;                  // user + system CPU of what the task ran, if known
    std::uint64_t peak_rss_bytes = 0;  // the largest resident set it reached, if known
    // The peer asked to be retried this much later (HTTP Retry-After): used instead of the
    // job's backoff, capped by its max_backoff.
    std::optional<double> retry_after_s;
    // The subsystem failed, not the job (a browser crashed under the page): the attempt is
    // retried at once, up to this many times for the instance, without spending the job's retries.
    std::uint32_t free_retries = 0;
    nlohmann::json details = nlohmann::json::object();  // kind-specific facts for the report
    // The number it ended with (a process's exit status, an HTTP status), the signal that
    // ended its process, and whether a limit of gaia's did: for the per-instance reports
    // and the joblog, which name them whatever the kind.
    CodeKind code_kind = CodeKind::none;
    std::int32_t code = 0;
    int signal = 0;
    bool killed = false;
    // When it did not pass: the last of what it wrote, for gaia serve's run history (at most
    // kTailBytes each; text::tail_of).
    static constexpr std::size_t kTailBytes = 8 * 1024;
    std::string stdout_tail, stderr_tail;
    // Files for a person to open (a failure's screenshot, a response's body), when the
    // context asked for them: the scheduler writes them and lists them in the reports.
    std::vector<Artifact> artifacts;
    // Seconds spent collecting them after the verdict: not part of the attempt's duration.
    double artifacts_s = 0;
    // What the attempt was doing when its timeout cancelled it, when the kind can say
    // ("step 3 (click \"#buy\")"): the error becomes "timed out after 30s in …".
    std::string timed_out_in;
};

using Completion = std::function<void(TaskOutcome)>;

// What one attempt of one instance knows about itself.
struct TaskContext {
    const jobfile::Job& job;
    std::uint64_t index = 0;
    std::uint32_t attempt = 1;
    jobfile::RenderScope scope;  // renders the job's templates for this instance
    // For kinds whose tasks wait for their subsystem before they work (an HTTP request
    // queued behind [api] limits): the attempt's timeout counts from this call, not from
    // start(). See KindRuntime::starts_deadline().
    std::function<void()> start_deadline;
    // Set by the scheduler just before it cancels the task for its timeout: a task can
    // tell a timeout (a failure of the peer, for a circuit breaker) from a user's cancel.
    bool deadline_passed = false;
    // Whether the run wants artifacts (--artifacts): a task collects them for a failed
    // attempt (a timed-out one included), or for every attempt when its kind says `always`.
    ArtifactMode artifacts = ArtifactMode::off;
};

class Task {
public:
    virtual ~Task() = default;
    // Starts the work. `done` is called exactly once, on a later loop turn: never from
    // inside start(), so no caller is re-entered. The context outlives the task.
    virtual void start(const TaskContext& ctx, Completion done) = 0;
    // Asks the work to stop. `done` still comes, once the work is really gone (a process
    // gets its kill_grace); its status then no longer matters to the caller.
    virtual void cancel() = 0;
};

// Where a task writes output that the user asked to see (stdout = "inherit"): the
// terminal front end decides how it shares the screen with the progress display.
class OutputSink {
public:
    virtual ~OutputSink() = default;
    virtual void write_line(bool to_stderr, std::string_view prefix, std::string_view line) = 0;
};

struct RunEnv {
    loop::Loop& loop;
    loop::ChildWatcher& children;
    metrics::Registry& metrics;
    text::Redactor& redactor;  // secret captures join it as they are taken
    OutputSink& output;
    // A service that jobs still need has gone away: the scheduler fails those jobs.
    std::function<void(const jobfile::Job& service, const std::string& reason)> service_lost;
    // The network coordinator every HTTP transfer goes through (null in tests that make no
    // transfers: the API pool then makes its own with default settings).
    net::Network* network = nullptr;
    // What the scheduler and the tasks read the time from (a test's ManualClock).
    const loop::Clock* clock = &loop::Clock::system();
};

// The instances a kind found for a job whose config expands() (a glob's matches).
struct Expansion {
    std::vector<nlohmann::json> items;  // each one instance's `{{ item }}`
    std::string error;                  // set: the job fails with it, no instance runs
};

// A subsystem for one run: shared limits and state of all tasks of its kind.
class KindRuntime {
public:
    virtual ~KindRuntime() = default;
    virtual std::unique_ptr<Task> make_task(const jobfile::Job& job) = 0;
    // Tasks of this kind that may run at once (0: no limit of the subsystem's own).
    virtual std::uint32_t capacity() const = 0;
    // How many of its tasks may start in one loop turn: few when a start blocks the loop
    // for a while, many when it only queues work.
    virtual unsigned starts_per_turn() const { return 8; }
    // True when tasks call TaskContext::start_deadline() themselves once they really begin;
    // otherwise the attempt's timeout runs from start().
    virtual bool starts_deadline() const { return false; }
    // Called once before the run starts, with the whole job set: a runtime may check
    // what its jobs will need (and say so) before anything runs.
    virtual void prepare(const jobfile::JobSet& set) { (void)set; }
    // Finds the instances of a job whose config expands(), as the job starts: `scope`
    // renders its templates (no index or item yet). `done` comes once, on a later turn.
    virtual void expand(const jobfile::Job& job, const jobfile::RenderScope& scope, std::function<void(Expansion)> done) {
        (void)scope;
        done({{}, "kind `" + job.kind + "` does not find instances at run time"});
    }
    // A task has completed; the runtime decides when it goes (a service keeps running
    // until release()). By default it is deleted on the next loop turn.
    virtual void retire(loop::Loop& loop, std::unique_ptr<Task> task) { loop.defer_delete(std::move(task)); }
    // No job that needs `job` is pending or running any more: what it left running (a
    // service) can stop.
    virtual void release(const jobfile::Job& job) { (void)job; }
    // Why the subsystem cannot work at all (no Chromium found), for gaia serve's health;
    // empty when it can.
    virtual std::string unavailable() const { return {}; }
    // What the subsystem adds to the JSON report under "subsystems" (null: nothing).
    virtual nlohmann::json report() const { return nullptr; }
    // Every task of the run has completed: stop what the subsystem keeps running between
    // tasks (browsers), then `done` (at once when there is nothing to stop). The run ends
    // once every runtime has drained.
    virtual void drain(std::function<void()> done) { done(); }
    // The run is over and every task has completed: release handles.
    virtual void close() {}
    // gaia must die now (a second SIGINT): stop everything synchronously, no grace.
    virtual void kill_now() noexcept {}
};

// A job kind: everything gaia knows of one kind comes from here, so core and cli name none.
class JobKind : public jobfile::KindCompiler {
public:
    virtual std::unique_ptr<KindRuntime> make_runtime(RunEnv& env, const jobfile::KindConfig* subsystem) const = 0;
    // What the kind runs on, for `gaia version --verbose`: the libraries it loads and the
    // programs it starts, each with its version here or why it cannot be had.
    virtual std::vector<build::Component> components() const { return {}; }
    // What its subsystem's metrics say of its load now, for /health: facts, and the
    // objectives of its [slo.SUBSYSTEM] keys (schema().slo_keys) it misses. Recent success
    // rate and p95 are judged for every subsystem by gaia serve's health itself.
    virtual void judge_health(HealthCheck& check) const { (void)check; }
    // The threads libuv's pool should have for this job set's tasks of the kind (its work
    // that blocks: file operations); 0 when libuv's default will do.
    virtual unsigned pool_threads(const jobfile::JobSet& set) const {
        (void)set;
        return 0;
    }
    // gaia re-executes itself as small helpers (the process kind's launcher and guard): the
    // entry point of the helper named `command` (argv[1]), or null when it is not this kind's.
    using HelperMain = int (*)(int argc, char** argv);
    virtual HelperMain helper(std::string_view command) const {
        (void)command;
        return nullptr;
    }
};

}  // namespace gaia::run
