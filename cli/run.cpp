// gaia run FILE...: run the jobs once, report, exit with the status gaia(1) promises.

#include "cli/commands.hpp"
#include "cli/held_output.hpp"
#include "cli/progress.hpp"
#include "cli/run_lock.hpp"
#include "cli/setup.hpp"
#include "core/loop/child_watcher.hpp"
#include "core/report/atomic_file.hpp"
#include "core/report/html_report.hpp"
#include "core/report/joblog.hpp"
#include "core/report/previous_metrics.hpp"
#include "core/report/run_report.hpp"
#include "core/run/hooks.hpp"
#include "core/run/scheduler.hpp"
#include "core/run/shard.hpp"
#include "core/run/selection.hpp"
#include "core/run/stop_signals.hpp"
#include "core/run/subsystems.hpp"
#include "core/serve/job_json.hpp"
#include "core/serve/monitoring.hpp"
#include "jobs/registry.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

namespace gaia::cli {
namespace {

struct RunCommandOptions {
    std::vector<std::string> files;
    std::vector<std::string> only;
    std::uint32_t concurrency = 0;  // 0: from [settings]
    bool fail_fast = false;
    std::string timeout;
    std::string report_json;
    std::string report_junit;
    std::string report_html;
    std::string metrics_file;
    std::string progress = "auto";
    std::string shard;  // K/N
    std::string listen;  // serve /metrics, /liveness, /readiness here while the run lasts
    std::string lock;       // one run at a time per lock file
    std::string lock_wait;  // how long to wait for it
    std::string report_instances = "failed";  // which instances the JSON report lists
    bool junit_instances = false;             // a JUnit testcase per instance
    std::string joblog;                       // GNU parallel's --joblog format
    bool quiet_success = false;               // print nothing when every job passed
    std::string resume_failed;                // a JSON report: run only what did not pass there
    std::string heartbeat;                    // a URL to GET when the run passes (a dead man's switch)
    std::string artifacts;                    // failed attempts leave screenshots, responses, output here
};

std::string run_status(const run::Scheduler& scheduler, bool any_failed) {
    switch (scheduler.stop_cause()) {
    case run::StopCause::interrupted: return "interrupted";
    case run::StopCause::terminated: return "terminated";
    case run::StopCause::timeout: return "timeout";
    default: return any_failed ? "failed" : "passed";
    }
}

// Everything that exists for the duration of one run, in the order it must be torn down.
class RunSession {
public:
    RunSession(const GlobalOptions& globals, const RunCommandOptions& options, jobfile::JobSet& set, HeldOutput* held)
        : globals_(globals), options_(options), set_(set), held_(held) {}

    int execute();

private:
    run::RunOptions run_options();
    void listen();
    void observe_instances();
    void on_signal(int signum);
    [[noreturn]] void kill_now_and_exit(int code);
    bool any_failed() const;
    void after_run(bool& done);
    void start_hooks(const std::vector<bool>& hooks, const std::vector<bool>& ran, bool failed,
                     const std::function<void()>& then);
    bool hook_failed() const;
    void restore_staleness();
    void mark_run_end(bool passed);
    bool write_reports(bool any_failed);
    nlohmann::json jobs_json() const;
    int exit_status(bool any_failed, bool reports_ok) const;

    const GlobalOptions& globals_;
    const RunCommandOptions& options_;
    jobfile::JobSet& set_;
    HeldOutput* held_;  // --quiet-success
    text::Redactor redactor_;
    loop::Loop loop_;
    metrics::Registry registry_;
    std::unique_ptr<Progress> progress_;
    std::unique_ptr<serve::Monitoring> monitoring_;
    std::unique_ptr<loop::ChildWatcher> children_;
    std::unique_ptr<run::Subsystems> subsystems_;
    std::unique_ptr<run::Scheduler> scheduler_;
    std::unique_ptr<run::Scheduler> hooks_;  // on_failure / on_success, once the run has ended
    jobfile::RunOutcome outcome_;            // what the hooks see of it
    std::unique_ptr<run::StopSignals> stop_signals_;
    std::unique_ptr<report::Joblog> joblog_;
    std::optional<run::ResumePlan> resume_;
    std::chrono::system_clock::time_point started_;
    std::string run_id_ = run::new_run_id();
    std::string shard_;  // K/N as --shard resolved it (auto: from the engine's environment)
};

void RunSession::on_signal(int signum) {
    spdlog::warn("{}: stopping — cancelling running tasks{}", signum == SIGINT ? "interrupted" : "terminated",
                 signum == SIGINT ? " (interrupt again to kill at once)" : "");
    monitoring_->set_readiness(serve::Readiness::draining);
    // During the hooks a signal stops them; before, the run (whose hooks then still run).
    auto& target = hooks_ ? *hooks_ : *scheduler_;
    target.stop(signum == SIGINT ? run::StopCause::interrupted : run::StopCause::terminated);
}

void RunSession::kill_now_and_exit(int code) {
    subsystems_->kill_now();
    mark_run_end(false);
    if (progress_) progress_->finish();
    if (joblog_) joblog_->finish();
    write_reports(true);
    if (held_) held_->release();
    std::fflush(stdout);
    std::fflush(stderr);
    // Everything the loop still holds dies with the process: no clean-up to wait for.
    std::_Exit(code);
}

bool RunSession::write_reports(bool any_failed) {
    report::RunReport rep;
    rep.name = set_.name;
    rep.id = run_id_;
    rep.started = started_;
    rep.duration_s = scheduler_->elapsed_s();
    rep.status = run_status(*scheduler_, any_failed);
    rep.files = set_.files;
    rep.job_set_digest = set_.digest;
    if (set_.settings.stale_after) rep.stale_after_s = jobfile::to_seconds(*set_.settings.stale_after);
    rep.loop_lag_max_s = monitoring_->max_loop_lag_s();
    for (const auto* run : {scheduler_.get(), hooks_.get()}) {
        if (!run) continue;
        for (std::size_t i = 0; i < run->results().size(); ++i) {
            if (run->selected(i)) rep.jobs.push_back(&run->results()[i]);
        }
    }
    rep.subsystems = subsystems_->report();
    rep.instances = options_.report_instances == "all" ? run::InstanceScope::all : run::InstanceScope::failed;
    rep.junit_instances = options_.junit_instances;
    rep.shard = shard_;
    if (resume_) {
        rep.resumed_report = resume_->report_path;
        rep.resumed_run_id = resume_->run_id;
    }
    bool ok = true;
    // Each report is streamed into its file: one of a million instances is never one string.
    auto write = [&](const std::string& path, const char* what, const std::function<void(const report::ReportOut&)>& produce) {
        if (path.empty()) return;
        const auto start = std::chrono::steady_clock::now();
        report::AtomicFile file;
        std::uint64_t bytes = 0;
        auto error = file.open(path);
        if (error.empty()) {
            produce([&](std::string_view piece) {
                bytes += piece.size();
                file.append(piece);
            });
            error = file.commit();
        }
        if (!error.empty()) {
            spdlog::error("cannot write the {}: {}", what, error);
            ok = false;
            return;
        }
        // What each report costs the run, for whoever wonders (gaia -v).
        spdlog::debug("wrote the {} {} ({} bytes) in {:.1f} ms", what, path, bytes,
                      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    };
    // The HTML report is drawn from the JSON report's text, as `gaia report html` draws it
    // later: when both are written, that text is made once.
    std::string json_text;
    const bool keep_json_text = !options_.report_html.empty();
    write(options_.report_json, "JSON report", [&](const report::ReportOut& out) {
        report::write_json(rep, redactor_, [&](std::string_view piece) {
            if (keep_json_text) json_text += piece;
            out(piece);
        });
    });
    write(options_.report_junit, "JUnit report", [&](const report::ReportOut& out) { report::write_junit(rep, redactor_, out); });
    write(options_.report_html, "HTML report", [&](const report::ReportOut& out) {
        if (json_text.empty()) json_text = report::to_json_text(rep, redactor_);
        report::write_html_from_text(json_text, report::HtmlOptions::for_page(options_.report_html), out);
    });
    write(options_.metrics_file, "metrics file", [&](const report::ReportOut& out) { out(redactor_.scrub(registry_.expose())); });
    return ok;
}

// /api/v1/jobs during a one-shot run: the run's jobs as they stand.
nlohmann::json RunSession::jobs_json() const {
    nlohmann::json jobs = nlohmann::json::array();
    for (std::size_t i = 0; i < scheduler_->results().size(); ++i) {
        if (!scheduler_->selected(i)) continue;
        const auto& r = scheduler_->results()[i];
        const bool running = r.status == run::JobStatus::running;
        serve::JobFacts facts;
        facts.running = running;
        facts.schedules_apply = false;
        if (r.status != run::JobStatus::pending && !running) {
            const auto started = started_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                                 std::chrono::duration<double>(r.started_s));
            facts.last = serve::last_run_json(r, {run_id_, "run", started, r.finished_s - r.started_s}, redactor_);
            facts.runs = 1;
        }
        jobs.push_back(serve::job_json(*r.job, facts));
    }
    return serve::jobs_answer(set_, std::move(jobs));
}

// The run's options from the command line over [settings].
run::RunOptions RunSession::run_options() {
    std::vector<std::string> unknown;
    auto selected = run::select_jobs(set_, options_.only, &unknown);
    if (!unknown.empty()) throw UsageError("--only: no job or tag named `" + unknown.front() + "`");

    run::RunOptions run_options;
    run_options.concurrency = options_.concurrency ? options_.concurrency : set_.settings.concurrency;
    run_options.fail_fast = options_.fail_fast || set_.settings.fail_fast;
    run_options.timeout = set_.settings.timeout;
    if (!options_.timeout.empty()) {
        std::string error;
        auto t = jobfile::parse_duration(options_.timeout, &error);
        if (!t) throw UsageError("--timeout: " + error);
        run_options.timeout = t;
    }
    // Hook jobs run only once the run has ended (start_hooks).
    for (std::size_t i = 0; i < set_.jobs.size(); ++i) {
        if (set_.jobs[i].hook) selected[i] = false;
    }
    run_options.selected = std::move(selected);
    if (!options_.shard.empty()) {
        std::string error;
        const auto shard = run::parse_shard(options_.shard, [](const char* name) { return std::getenv(name); }, &error);
        if (!shard) throw UsageError(error);
        run_options.shard_index = shard->index;
        run_options.shard_count = shard->count;
        shard_ = shard->text();
        if (options_.shard == "auto") spdlog::info("shard {} ({})", shard_, shard->from);
    }
    if (!options_.resume_failed.empty()) {
        std::string error;
        resume_ = run::ResumePlan::from_report(set_, options_.resume_failed, shard_, &error);
        if (!resume_) throw UsageError("--resume-failed: " + error);
        run_options.resume = &*resume_;
    }
    run_options.run_id = run_id_;
    run_options.artifacts_dir = options_.artifacts;
    // A testcase for each instance needs the passed ones too.
    if (options_.report_instances == "all" || options_.junit_instances) {
        run_options.record_instances = run::InstanceScope::all;
    }
    return run_options;
}

// --listen: gaia serve's endpoints, over this run, while it lasts.
void RunSession::listen() {
    auto& health = monitoring_->health();
    health.set_objectives(set_.slo);
    health.set_unavailable([this](std::string_view subsystem) { return subsystems_->unavailable(subsystem); });
    serve::EndpointOptions endpoint_options;
    endpoint_options.redactor = &redactor_;
    endpoint_options.jobs = [this] { return jobs_json(); };
    if (auto error = monitoring_->listen(options_.listen, std::move(endpoint_options)); !error.empty()) {
        throw UsageError("--listen " + options_.listen + ": " + error);
    }
    if (!serve::is_loopback_address(options_.listen)) {
        spdlog::warn("--listen {}: the endpoints answer anyone who can reach this address", options_.listen);
    }
    spdlog::info("serving the monitoring endpoints on http://{}/", options_.listen);
}

// Who hears of each instance's end: the health verdict of --listen, the --joblog.
void RunSession::observe_instances() {
    if (!options_.joblog.empty()) {
        std::string error;
        joblog_ = report::Joblog::open(loop_, options_.joblog, redactor_, &error);
        if (!joblog_) throw UsageError("--joblog: " + error);
    }
    if (options_.listen.empty() && !joblog_) return;
    scheduler_->on_instance_finished = [this](const jobfile::Job& job, const run::InstanceEnd& end) {
        if (!options_.listen.empty()) monitoring_->health().on_task_finished(job, end.status, end.seconds);
        if (joblog_) joblog_->add(job, end);
    };
}

bool RunSession::any_failed() const {
    for (std::size_t i = 0; i < scheduler_->results().size(); ++i) {
        if (!scheduler_->selected(i)) continue;
        const auto& r = scheduler_->results()[i];
        if ((r.status == run::JobStatus::failed && !r.job->allow_failure) || r.status == run::JobStatus::cancelled) {
            return true;
        }
    }
    return false;
}

// The run is over: its hooks, if it calls for any, then the subsystems stop what they keep
// (browsers), then the endpoints go too, so that the loop can end.
void RunSession::after_run(bool& done) {
    auto finish = [this, &done] {
        subsystems_->drain([this, &done] {
            done = true;
            monitoring_->close();
            progress_->finish();
        });
    };
    std::vector<bool> ran(set_.jobs.size());
    for (std::size_t i = 0; i < ran.size(); ++i) ran[i] = scheduler_->selected(i);
    const bool failed = any_failed();
    const bool passed = run_status(*scheduler_, failed) == "passed";
    mark_run_end(passed);
    const auto hooks = run::hooks_to_run(set_, scheduler_->results(), ran, passed);
    if (std::find(hooks.begin(), hooks.end(), true) == hooks.end()) return finish();
    start_hooks(hooks, ran, failed, finish);
}

void RunSession::start_hooks(const std::vector<bool>& hooks, const std::vector<bool>& ran, bool failed,
                             const std::function<void()>& then) {
    // A hook may send the report: it is written now, as the run left it, and again at the end.
    write_reports(failed);
    std::string report;
    if (!options_.report_json.empty()) {
        std::error_code ec;
        report = std::filesystem::absolute(options_.report_json, ec).string();
    }
    outcome_ = run::run_outcome(scheduler_->results(), ran, run_status(*scheduler_, failed), std::move(report));
    run::RunOptions options;
    options.concurrency = options_.concurrency ? options_.concurrency : set_.settings.concurrency;
    options.selected = hooks;
    options.run_id = run_id_;
    // A hook sees the run's shard ({{ run.shard }}) as its jobs did.
    options.shard_index = scheduler_->options().shard_index;
    options.shard_count = scheduler_->options().shard_count;
    options.outcome = &outcome_;
    hooks_ = std::make_unique<run::Scheduler>(subsystems_->env(), set_, std::move(options), subsystems_->by_kind(),
                                              monitoring_->run_metrics());
    hooks_->on_job_finished = scheduler_->on_job_finished;
    hooks_->on_instance_finished = scheduler_->on_instance_finished;
    std::string names;
    for (std::size_t i = 0; i < hooks.size(); ++i) {
        if (hooks[i]) names += (names.empty() ? "" : ", ") + set_.jobs[i].name;
    }
    spdlog::info("run {}: {}; running its hooks: {}", set_.name, outcome_.status, names);
    hooks_->start(then);
}

// The last successes an earlier --metrics-file recorded: they stand until something passes
// again, and [settings].stale_after says how old is too old.
void RunSession::restore_staleness() {
    auto& m = monitoring_->run_metrics();
    if (set_.settings.stale_after) m.run_stale_after.with({set_.name}).set(jobfile::to_seconds(*set_.settings.stale_after));
    if (options_.metrics_file.empty()) return;
    const auto previous = report::read_previous_successes(options_.metrics_file, set_.name);
    if (previous.run) m.run_last_success.with({set_.name}).set(*previous.run);
    for (const auto& [job, seconds] : previous.jobs) {
        if (set_.find(job)) m.job_last_success.with({job}).set(seconds);  // a job since removed is forgotten
    }
}

void RunSession::mark_run_end(bool passed) {
    auto& m = monitoring_->run_metrics();
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    m.run_last.with({set_.name}).set(now);
    if (passed) m.run_last_success.with({set_.name}).set(now);
}

bool RunSession::hook_failed() const {
    if (!hooks_) return false;
    for (std::size_t i = 0; i < hooks_->results().size(); ++i) {
        const auto status = hooks_->results()[i].status;
        if (hooks_->selected(i) && (status == run::JobStatus::failed || status == run::JobStatus::cancelled)) return true;
    }
    return false;
}

int RunSession::exit_status(bool any_failed, bool reports_ok) const {
    switch (scheduler_->stop_cause()) {
    case run::StopCause::interrupted: return kInterrupted;
    case run::StopCause::terminated: return kTerminated;
    default: break;
    }
    // A hook that fails fails a run that passed; it never changes how a failed run ended.
    return any_failed || hook_failed() || !reports_ok ? kFailed : kPassed;
}

int RunSession::execute() {
    add_secret_env(redactor_, set_.secret_env);
    auto options = run_options();

    const bool tty = ::isatty(STDERR_FILENO) == 1;
    // A held run draws no live display: nothing would show it until the run had ended.
    const bool live = !held_ && (options_.progress == "always" || (options_.progress == "auto" && tty && !globals_.quiet));
    progress_ = std::make_unique<Progress>(live ? Progress::Mode::live : Progress::Mode::lines, use_color(globals_, 2),
                                           globals_.quiet, redactor_, held_);
    monitoring_ = std::make_unique<serve::Monitoring>(loop_, registry_, jobs::all_kinds());
    restore_staleness();
    children_ = std::make_unique<loop::ChildWatcher>(loop_);
    subsystems_ = std::make_unique<run::Subsystems>(
        run::RunEnv{loop_, *children_, registry_, redactor_, *progress_, nullptr, nullptr}, jobs::all_kinds(), set_);
    scheduler_ = std::make_unique<run::Scheduler>(subsystems_->env(), set_, std::move(options), subsystems_->by_kind(),
                                                  monitoring_->run_metrics());
    scheduler_->on_job_finished = [this](const run::JobResult& r) { progress_->on_job_finished(r); };
    if (!options_.listen.empty()) listen();
    observe_instances();
    stop_signals_ = std::make_unique<run::StopSignals>(
        loop_, [this](int s) { on_signal(s); }, [this] { kill_now_and_exit(kInterrupted); });

    started_ = std::chrono::system_clock::now();
    if (joblog_) joblog_->set_run_started(started_);
    bool done = false;
    monitoring_->set_readiness(serve::Readiness::ready);
    scheduler_->start([this, &done] { after_run(done); });
    progress_->start(loop_, *scheduler_);
    loop_.run();
    if (!done) throw std::logic_error("the event loop ended before the run did");

    const bool failed = any_failed();
    if (!globals_.quiet) {
        std::string summary = summary_table(*scheduler_, use_color(globals_, 1));
        summary += "run " + set_.name + ": " + run_status(*scheduler_, failed) + " in " +
                   human_seconds(scheduler_->elapsed_s()) + "\n";
        if (hooks_) {
            std::string hooks;
            for (std::size_t i = 0; i < hooks_->results().size(); ++i) {
                if (!hooks_->selected(i)) continue;
                const auto& r = hooks_->results()[i];
                hooks += (hooks.empty() ? "" : ", ") + r.job->name + " " + std::string(run::to_string(r.status));
            }
            summary += "hooks: " + hooks + "\n";
        }
        if (held_) {
            held_->add(false, std::move(summary));
        } else {
            std::cout << summary;
            std::cout.flush();
        }
    }
    bool reports_ok = true;
    if (joblog_) {
        if (auto error = joblog_->finish(); !error.empty()) {
            spdlog::error("{}", error);
            reports_ok = false;
        }
    }
    reports_ok = write_reports(failed) && reports_ok;

    // Tear down in order: handles first, then the loop proves nothing was left open.
    stop_signals_->close();
    progress_->finish();
    subsystems_->close();
    children_->kill_adopted();
    children_->close();
    close_loop(loop_);
    return exit_status(failed, reports_ok);
}

// The run's lock, when --lock or [settings].lock names one; nullopt with the exit status
// when it cannot be had.
std::optional<RunLock> take_lock(const RunCommandOptions& options, const jobfile::JobSet& set, int* status) {
    const std::string path = options.lock.empty() ? set.settings.lock : options.lock;
    jobfile::Duration wait = set.settings.lock_wait.value_or(jobfile::Duration(0));
    if (!options.lock_wait.empty()) {
        std::string error;
        auto t = jobfile::parse_duration(options.lock_wait, &error);
        if (!t) throw UsageError("--lock-wait: " + error);
        wait = *t;
    }
    if (path.empty()) {
        if (!options.lock_wait.empty()) throw UsageError("--lock-wait needs --lock (or [settings].lock)");
        return std::nullopt;
    }
    RunLock::Failure failure = RunLock::Failure::none;
    std::string message;
    auto lock = RunLock::acquire(path, std::chrono::duration_cast<std::chrono::milliseconds>(wait), &failure, &message);
    if (!lock) {
        spdlog::error("{}", message);
        *status = failure == RunLock::Failure::busy ? kLocked : kUsage;
    }
    return lock;
}

// --heartbeat URL: an on_success hook that GETs the URL (healthchecks.io, Dead Man's
// Snitch, Cronitor…), written as the job file text a user would write for it.
std::vector<std::pair<std::string, std::string>> heartbeat_job(const std::string& url) {
    if (url.empty()) return {};
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
        throw UsageError("--heartbeat takes an http:// or https:// URL, not `" + url + "`");
    }
    std::string quoted;
    for (char c : url) {
        if (c == '"' || c == '\\') quoted += '\\';
        if (static_cast<unsigned char>(c) < 0x20) throw UsageError("--heartbeat: the URL holds a control character");
        quoted += c;
    }
    return {{"--heartbeat", "[settings]\non_success = [\"gaia-heartbeat\"]\n\n[jobs.gaia-heartbeat]\nkind = \"http\"\nurl = \"" +
                                quoted + "\"\ntimeout = \"10s\"\nretries = 2\n"}};
}

int run_command(const GlobalOptions& globals, const RunCommandOptions& options) {
    // --quiet-success: everything is held from here on and printed at the end unless the
    // run passed (the destructors restore the log and print, in that order, also when an
    // error leaves by an exception).
    std::optional<HeldOutput> held;
    std::optional<LogRedirect> held_logs;
    if (options.quiet_success) {
        held.emplace();
        held_logs.emplace(globals, held->log_sink());
    }
    jobfile::Diagnostics diags;
    std::ostringstream diagnostics;
    auto set = load_files(globals, options.files, true, diags, held ? diagnostics : std::cerr, heartbeat_job(options.heartbeat));
    if (held) held->add(true, diagnostics.str());
    if (!set) return kUsage;
    int status = kPassed;
    const auto lock = take_lock(options, *set, &status);
    if (status != kPassed) return status;
    size_thread_pool(*set);
    RunSession session(globals, options, *set, held ? &*held : nullptr);
    status = session.execute();
    if (held && status == kPassed) held->discard();
    return status;
}

}  // namespace

void add_run_command(CLI::App& app, GlobalOptions& globals, Action& action) {
    auto o = std::make_shared<RunCommandOptions>();
    auto* cmd = app.add_subcommand("run", "Run the jobs in the job files once, then exit");
    cmd->add_option("files", o->files, "Job files (- for standard input)")->required();
    cmd->add_option("--only", o->only, "Only this job or tag, with what it needs (repeatable)")->allow_extra_args(false);
    cmd->add_option("--concurrency", o->concurrency, "Tasks in flight in the whole run")->check(CLI::Range(1, 1000000));
    cmd->add_flag("--fail-fast", o->fail_fast, "Cancel the rest when a job fails");
    cmd->add_option("--timeout", o->timeout, "Deadline of the whole run (e.g. 30m)");
    cmd->add_option("--report-json", o->report_json, "Write the JSON report here");
    cmd->add_option("--report-junit", o->report_junit, "Write a JUnit XML report here");
    cmd->add_option("--report-html", o->report_html,
                    "Write a self-contained HTML report here: verdict, timeline, latency histograms, failures");
    cmd->add_option("--report-instances", o->report_instances,
                    "Instances the JSON report lists one by one: failed (those that did not pass) or all")
        ->check(CLI::IsMember({"failed", "all"}));
    cmd->add_flag("--junit-instances", o->junit_instances, "In the JUnit report, a testcase for each instance of a fan-out");
    cmd->add_option("--joblog", o->joblog, "Write a line per instance as it ends, in GNU parallel's --joblog format");
    cmd->add_option("--resume-failed", o->resume_failed,
                    "Run only what did not pass in this JSON report of an earlier run, and report both as one");
    cmd->add_option("--heartbeat", o->heartbeat, "GET this URL when the run passes (a dead man's switch: healthchecks.io…)");
    cmd->add_option("--artifacts", o->artifacts,
                    "Failed attempts leave what a person needs to see why here, in JOB/INDEX-ATTEMPT/: a page's "
                    "screenshot, HTML, console and network log; a response; a process's last output");
    cmd->add_option("--metrics-file", o->metrics_file, "Write the final metrics here (Prometheus text, atomically)");
    cmd->add_option("--shard", o->shard,
                    "Run only the K-th of N equal slices of every fan-out (K/N, 0-based K%N, or auto from a Slurm "
                    "array or Kubernetes Indexed Job)");
    cmd->add_option("--listen", o->listen, "While the run lasts, serve gaia serve's endpoints on HOST:PORT: the dashboard, /metrics, /health, /liveness, /readiness, /api/v1/jobs");
    cmd->add_option("--progress", o->progress, "Live progress: auto (on a terminal), always, never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    cmd->add_flag("--quiet-success", o->quiet_success,
                  "Print nothing if every job passed; everything (logs, summary) if one did not");
    cmd->add_option("--lock", o->lock, "Hold this file locked for the run; exit 75 if another run holds it");
    cmd->add_option("--lock-wait", o->lock_wait, "Wait this long for the --lock (e.g. 5m) instead of exiting");
    cmd->callback([&globals, &action, o] { action = [&globals, o] { return run_command(globals, *o); }; });
}

}  // namespace gaia::cli
