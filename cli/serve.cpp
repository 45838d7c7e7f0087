// gaia serve [FILE...]: the long-running mode — the monitoring endpoints, jobs
// on their schedules and on request, SIGHUP reload, SIGTERM/SIGINT drain.

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/serve_state.hpp"
#include "cli/setup.hpp"
#include "core/jobfile/values.hpp"
#include "core/loop/child_watcher.hpp"
#include "core/loop/dir_watch.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/uv_error.hpp"
#include "core/loop/signal_watcher.hpp"
#include "core/run/stop_signals.hpp"
#include "core/serve/job_runner.hpp"
#include "core/serve/monitoring.hpp"
#include "core/serve/run_history.hpp"
#include "jobs/registry.hpp"

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <set>
#include <cstdlib>
#include <fstream>

namespace gaia::cli {
namespace {

struct ServeCommandOptions {
    std::vector<std::string> files;
    std::string listen = "127.0.0.1:9190";
    bool listen_given = false;  // false: the default above, which the user may not know of
    std::string token_file;
    bool enable_debug = false;
    std::string drain_timeout = "30s";
    std::string state;      // the state database; empty: the default place
    bool no_state = false;  // keep nothing between restarts
    bool watch = false;     // reload when a job file changes, as on SIGHUP
};

// The bearer token: the file's first line, without surrounding white space.
std::string read_token(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw UsageError("--token-file " + path + ": cannot read it");
    std::string token;
    std::getline(in, token);
    const auto first = token.find_first_not_of(" \t\r");
    const auto last = token.find_last_not_of(" \t\r");
    token = first == std::string::npos ? std::string() : token.substr(first, last - first + 1);
    if (token.size() < 16) {
        throw UsageError("--token-file " + path + ": the token must be at least 16 characters (e.g. `openssl rand -hex 32`)");
    }
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        spdlog::warn("--token-file {}: other users may read it (chmod 600 it)", path);
    }
    return token;
}

// Each open connection and each child pipe costs a descriptor: a service may hold
// thousands. The soft limit goes up to the hard one, as servers do.
void raise_open_file_limit() {
    struct rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    const auto before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
        spdlog::debug("open file limit raised from {} to {}", before, limit.rlim_cur);
    }
}

class ServeSession {
public:
    ServeSession(const GlobalOptions& globals, const ServeCommandOptions& options)
        : globals_(globals), options_(options) {}

    int execute();

private:
    std::unique_ptr<jobfile::JobSet> load();
    // Loads the job files again and runs the new set if they are valid; with
    // only_if_changed, not when their text (and --var values) are what runs now.
    void reload(const char* why, bool only_if_changed);
    // --watch: the directories of every loaded job file, includes too.
    void watch(const jobfile::JobSet& set);
    void on_stop_signal(int signum);
    [[noreturn]] void kill_now_and_exit();
    void close_all();
    serve::HttpResponse run_job(const std::string& job);
    serve::HttpResponse pause_job(const std::string& job, bool pause);
    void answer_history(const serve::HistoryQuery& query, std::function<void(serve::HttpResponse)> respond);
    // Opens the state database (--state, or the default place) unless --no-state.
    int open_history();

    const GlobalOptions& globals_;
    const ServeCommandOptions& options_;
    text::Redactor redactor_;
    loop::Loop loop_;
    metrics::Registry registry_;
    std::unique_ptr<Progress> output_;
    std::unique_ptr<serve::Monitoring> monitoring_;
    std::unique_ptr<loop::ChildWatcher> children_;
    std::optional<OpenedState> state_;
    std::unique_ptr<serve::RunHistory> history_;
    std::unique_ptr<serve::JobRunner> runner_;
    std::unique_ptr<run::StopSignals> stop_signals_;
    loop::HandlePtr<loop::SignalWatcher> sighup_;
    std::vector<loop::HandlePtr<loop::DirWatch>> watches_;
    loop::HandlePtr<loop::Timer> settle_;  // --watch: one reload for a burst of changes
    std::string loaded_digest_;            // JobSet::digest of the set that runs
    metrics::Family<metrics::Counter>* reloads_ = nullptr;
    bool stopped_ = false;
};

std::unique_ptr<jobfile::JobSet> ServeSession::load() {
    if (options_.files.empty()) {
        auto set = std::make_unique<jobfile::JobSet>();
        set->name = "gaia";
        return set;
    }
    jobfile::Diagnostics diags;
    return load_files(globals_, options_.files, true, diags);
}

void ServeSession::reload(const char* why, bool only_if_changed) {
    if (stopped_) return;
    auto set = load();
    if (set && only_if_changed && set->digest == loaded_digest_) {
        spdlog::debug("{}: the job files say what they said: nothing to reload", why);
        return;
    }
    spdlog::info("{}: reloading {} job file(s)", why, options_.files.size());
    if (!set) {
        reloads_->with({"failure"}).inc();
        spdlog::error("reload failed: the jobs loaded before keep running (see the errors above)");
        return;
    }
    add_secret_env(redactor_, set->secret_env);
    const auto jobs = set->jobs.size();
    loaded_digest_ = set->digest;
    if (options_.watch) watch(*set);
    runner_->load(std::move(set));
    reloads_->with({"success"}).inc();
    spdlog::info("reloaded: {} job(s)", jobs);
}

void ServeSession::watch(const jobfile::JobSet& set) {
    std::set<std::string> dirs;
    for (const auto& file : set.files) {
        std::error_code ec;
        dirs.insert(std::filesystem::absolute(file, ec).parent_path().string());
    }
    watches_.clear();
    for (const auto& dir : dirs) {
        try {
            watches_.push_back(loop::DirWatch::create(loop_, dir, [this](std::string_view) {
                // An editor's save or a ConfigMap's update is several events: one reload
                // once they have settled.
                settle_->start(std::chrono::milliseconds(500), [this] { reload("a job file changed", true); });
            }));
        } catch (const loop::UvError& e) {
            spdlog::warn("--watch: {}: changes there are not seen (SIGHUP still reloads)", e.what());
        }
    }
}

void ServeSession::kill_now_and_exit() {
    runner_->kill_now();
    std::fflush(stderr);
    std::_Exit(kInterrupted);
}

void ServeSession::on_stop_signal(int signum) {
    if (stopped_) return;
    stopped_ = true;
    const auto grace = jobfile::parse_duration(options_.drain_timeout, nullptr).value_or(jobfile::Duration{});
    spdlog::info("{}: draining — no new runs; {} run(s) going get {}{}", signum == SIGINT ? "interrupted" : "terminated",
                 runner_->runs_in_flight(), options_.drain_timeout,
                 signum == SIGINT ? " (interrupt again to kill at once)" : "");
    monitoring_->set_readiness(serve::Readiness::draining);
    runner_->shutdown(std::chrono::duration_cast<std::chrono::milliseconds>(grace), [this] {
        // Every run has ended and every subsystem is closed: once what ended is written, the
        // loop may end.
        if (history_) {
            history_->flush([this] { close_all(); });
        } else {
            close_all();
        }
    });
}

void ServeSession::close_all() {
    {
        monitoring_->close();
        stop_signals_->close();
        sighup_.reset();
        watches_.clear();
        settle_.reset();
        children_->kill_adopted();
        children_->close();
    }
}

serve::HttpResponse ServeSession::run_job(const std::string& job) {
    std::string run_id;
    const auto result = runner_->trigger(job, &run_id);
    serve::HttpResponse r;
    r.content_type = "application/json";
    nlohmann::json body;
    switch (result) {
    case serve::JobRunner::Trigger::started:
        r.status = 202;
        body = {{"job", job}, {"run_id", run_id}, {"status", "started"}};
        break;
    case serve::JobRunner::Trigger::queued:
        r.status = 202;
        body = {{"job", job}, {"run_id", run_id}, {"status", "queued"}};
        break;
    case serve::JobRunner::Trigger::replacing:
        r.status = 202;
        body = {{"job", job}, {"run_id", run_id}, {"status", "replacing"}};
        break;
    case serve::JobRunner::Trigger::already_running:
        r.status = 409;
        body = {{"job", job}, {"run_id", run_id}, {"error", "a run of this job is still going (overlap = \"skip\")"}};
        break;
    case serve::JobRunner::Trigger::already_queued:
        r.status = 409;
        body = {{"job", job}, {"run_id", run_id}, {"error", "a run of this job is going and another waits for it"}};
        break;
    case serve::JobRunner::Trigger::unknown_job:
        r.status = 404;
        body = {{"error", "no job named `" + job + "`"}};
        break;
    case serve::JobRunner::Trigger::stopping:
        r.status = 503;
        body = {{"error", "gaia is shutting down: no new runs"}};
        break;
    }
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    return r;
}

serve::HttpResponse ServeSession::pause_job(const std::string& job, bool pause) {
    switch (runner_->set_paused(job, pause)) {
    case serve::JobRunner::Pause::done:
        return serve::json_answer(200, {{"job", job}, {"paused", pause}});
    case serve::JobRunner::Pause::unknown_job:
        return serve::json_answer(404, {{"error", "no job named `" + job + "`"}});
    case serve::JobRunner::Pause::no_schedule:
        return serve::json_answer(409, {{"error", "job `" + job + "` has no schedule to pause or resume"}});
    }
    return serve::json_answer(500, {{"error", "unknown"}});
}

void ServeSession::answer_history(const serve::HistoryQuery& query, std::function<void(serve::HttpResponse)> respond) {
    using What = serve::HistoryQuery::What;
    const bool job_known = query.what == What::job_runs && runner_->knows(query.name);
    history_->read(
        // An empty answer: no such run, or no such job and no runs of one.
        [query, job_known](serve::StateStore& store, std::size_t reader) -> std::string {
            if (query.what == What::run) return store.run_json(reader, query.name).value_or(std::string());
            std::size_t found = 0;
            auto runs = store.runs_json(reader, query.name, query.limit, query.status, &found);
            return found == 0 && !job_known ? std::string() : runs;
        },
        [query, respond = std::move(respond)](std::string answer, std::string error) {
            serve::HttpResponse r;
            if (!error.empty()) {
                r = serve::json_answer(503, {{"error", "the state database cannot be read: " + error}});
            } else if (query.what == What::run && answer.empty()) {
                r = serve::json_answer(404, {{"error", "no run with id `" + query.name + "` (retention may have dropped it)"}});
            } else if (query.what == What::job_runs && answer.empty()) {
                r = serve::json_answer(404, {{"error", "no job named `" + query.name + "`, and no runs of one are kept"}});
            } else {
                r.status = 200;
                r.content_type = "application/json";
                r.body = std::move(answer) + "\n";
                r.headers.emplace_back("Cache-Control", "no-store");
            }
            respond(std::move(r));
        });
}

int ServeSession::open_history() {
    if (options_.no_state) return kPassed;
    std::string path = options_.state, why;
    const bool defaulted = path.empty();
    if (defaulted) {
        path = default_state_path(&why);
        if (path.empty()) throw UsageError(why + ": give --state PATH, or --no-state to keep no history");
    }
    std::string message;
    int status = kPassed;
    auto opened = open_state(path, defaulted, &message, &status);
    if (!opened) {
        spdlog::error("{}", message);
        return status;
    }
    state_.emplace(std::move(*opened));
    history_ = std::make_unique<serve::RunHistory>(loop_, registry_, state_->store);
    spdlog::info("state database {}: {} job(s) and their runs restored", path, history_->restored().jobs.size());
    return kPassed;
}

int ServeSession::execute() {
    std::string error;
    if (!jobfile::parse_duration(options_.drain_timeout, &error)) throw UsageError("--drain-timeout: " + error);
    if (options_.watch && (options_.files.empty() ||
                           std::find(options_.files.begin(), options_.files.end(), "-") != options_.files.end())) {
        throw UsageError("--watch watches job files: give their paths (standard input cannot change)");
    }
    std::string token;
    if (!options_.token_file.empty()) {
        token = read_token(options_.token_file);
        redactor_.add_secret(token);
    }
    auto set = load();
    if (!set) return kUsage;
    add_secret_env(redactor_, set->secret_env);
    if (const int status = open_history(); status != kPassed) return status;
    size_thread_pool(*set);
    raise_open_file_limit();

    output_ = std::make_unique<Progress>(Progress::Mode::lines, use_color(globals_, 2), globals_.quiet, redactor_);
    monitoring_ = std::make_unique<serve::Monitoring>(loop_, registry_, jobs::all_kinds());
    reloads_ = &registry_.counter("gaia_config_reloads_total", "Job file reloads (SIGHUP) by result.", {"result"});
    reloads_->with({"success"});
    reloads_->with({"failure"});
    children_ = std::make_unique<loop::ChildWatcher>(loop_);
    runner_ = std::make_unique<serve::JobRunner>(serve::RunnerEnv{loop_, *children_, registry_, redactor_, *output_,
                                                                  monitoring_->run_metrics(), monitoring_->health(),
                                                                  jobs::all_kinds(), &loop::Clock::system(),
                                                                  history_.get()});
    if (history_) {
        monitoring_->health().add_component("state", [this] {
            auto body = history_->status();
            return serve::Health::Verdict{history_->failing() ? serve::HealthStatus::degraded : serve::HealthStatus::healthy,
                                          std::move(body)};
        });
    }
    monitoring_->health().set_unavailable([this](std::string_view subsystem) { return runner_->unavailable(subsystem); });

    serve::EndpointOptions endpoint_options;
    endpoint_options.redactor = &redactor_;
    endpoint_options.jobs = [this] { return runner_->jobs_json(); };
    endpoint_options.run_job = [this](const std::string& job) { return run_job(job); };
    endpoint_options.pause_job = [this](const std::string& job, bool pause) { return pause_job(job, pause); };
    if (history_) {
        endpoint_options.history = [this](const serve::HistoryQuery& q, std::function<void(serve::HttpResponse)> respond) {
            answer_history(q, std::move(respond));
        };
    }
    endpoint_options.token = token;
    endpoint_options.debug = options_.enable_debug;
    if (auto problem = monitoring_->listen(options_.listen, std::move(endpoint_options)); !problem.empty()) {
        if (options_.listen_given) throw UsageError("--listen " + options_.listen + ": " + problem);
        throw UsageError("cannot serve the endpoints on " + options_.listen +
                         " (the default address; give another with --listen HOST:PORT): " + problem);
    }
    if (!serve::is_loopback_address(options_.listen) && token.empty()) {
        spdlog::warn("--listen {}: not a loopback address and no --token-file: anyone who reaches it can read the "
                     "endpoints and start jobs",
                     options_.listen);
    }

    stop_signals_ = std::make_unique<run::StopSignals>(
        loop_, [this](int s) { on_stop_signal(s); }, [this] { kill_now_and_exit(); });
    sighup_ = loop::SignalWatcher::create(loop_, SIGHUP, [this](int) { reload("SIGHUP", false); });
    loaded_digest_ = set->digest;
    if (options_.watch) {
        settle_ = loop::Timer::create(loop_);
        settle_->unref();
        watch(*set);
    }

    const auto jobs = set->jobs.size();
    runner_->load(std::move(set));
    monitoring_->set_readiness(serve::Readiness::ready);
    spdlog::info("gaia serve: {} job(s); endpoints on http://{}/", jobs, options_.listen);
    loop_.run();

    // shutdown() closed everything it owned; what remains is freed in order.
    runner_.reset();
    history_.reset();
    stop_signals_.reset();
    monitoring_.reset();
    close_loop(loop_);
    spdlog::info("gaia serve: stopped");
    return kPassed;
}

int serve_command(const GlobalOptions& globals, const ServeCommandOptions& options) {
    ServeSession session(globals, options);
    return session.execute();
}

}  // namespace

void add_serve_command(CLI::App& app, GlobalOptions& globals, Action& action) {
    auto o = std::make_shared<ServeCommandOptions>();
    auto* cmd = app.add_subcommand("serve", "Serve the monitoring endpoint and run jobs on their schedules");
    cmd->add_option("files", o->files, "Job files (- for standard input)");
    cmd->add_option("--listen", o->listen, "Address of the endpoints, HOST:PORT")->capture_default_str();
    cmd->add_option("--token-file", o->token_file, "POST and /debug need this bearer token (first line of the file)");
    cmd->add_flag("--enable-debug", o->enable_debug, "Serve /debug/ endpoints");
    cmd->add_flag("--watch", o->watch,
                  "Reload when a job file changes, as on SIGHUP (edits, a Kubernetes ConfigMap's updates)");
    cmd->add_option("--drain-timeout", o->drain_timeout, "On SIGTERM/SIGINT, how long running jobs may finish")
        ->capture_default_str();
    auto* state = cmd->add_option("--state", o->state,
                                  "The state database (runs, history, pauses); default $STATE_DIRECTORY/state.db, "
                                  "$XDG_STATE_HOME/gaia/state.db or ~/.local/state/gaia/state.db");
    cmd->add_flag("--no-state", o->no_state, "Keep no state database: history and pauses end with the process")
        ->excludes(state);
    cmd->callback([&globals, &action, o, cmd] {
        o->listen_given = cmd->count("--listen") > 0;
        action = [&globals, o] { return serve_command(globals, *o); };
    });
}

}  // namespace gaia::cli
