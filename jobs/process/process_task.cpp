#include "jobs/process/process_task.hpp"

#include "core/loop/spawn.hpp"
#include "core/loop/uv_error.hpp"
#include "core/text/regex.hpp"
#include "jobs/process/process_manager.hpp"
#include "jobs/process/readiness_probe.hpp"
#include "core/text/signal_names.hpp"
#include "core/text/tail.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

extern char** environ;

namespace gaia::jobs::process {
namespace {

// The last non-empty line of some output, shortened: context for an exit-code error.
std::string last_line(const std::string& text) {
    auto end = text.find_last_not_of("\r\n");
    if (end == std::string::npos) return {};
    auto start = text.rfind('\n', end);
    const std::size_t from = start == std::string::npos ? 0 : start + 1;
    std::string line = text.substr(from, end - from + 1);
    if (line.size() > 200) line = line.substr(0, 200) + "…";
    return line;
}

std::string strip_trailing_newlines(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

}  // namespace

ProcessTask::ProcessTask(ProcessManager& manager, const jobfile::Job& job, const ProcessJobConfig& config)
    : manager_(manager), job_(job), config_(config) {
    out_.spec = config.out;
    err_.spec = config.err;
}

ProcessTask::~ProcessTask() {
    // The scheduler deletes a task only after its completion, so the group is gone; this
    // is the last line of defence against an orphan all the same.
    if (pid_ != 0 && !exited_) {
        ::kill(-pid_, SIGKILL);
        manager_.env().children.unwatch(pid_);
    }
    close_child_ends();
    if (!cgroup_.empty()) manager_.release_cgroup(cgroup_, job_emptied_);
}

void ProcessTask::signal_group(int signum) {
    if (pid_ != 0) manager_.signal_job(pid_, cgroup_, signum);
}

void ProcessTask::close_child_ends() {
    for (int* fd : {&out_.child_fd, &err_.child_fd}) {
        if (*fd >= 0) ::close(*fd);
        *fd = -1;
    }
}

void ProcessTask::fail_soon(std::string error, bool retryable) {
    completed_ = true;
    close_child_ends();
    out_.pipe.reset();
    err_.pipe.reset();
    stdin_.reset();
    manager_.on_exited(job_, "spawn_error", 0, 0);
    manager_.env().loop.post([this, error = std::move(error), retryable] {
        run::TaskOutcome o;
        o.status = run::TaskStatus::failed;
        o.error = error;
        o.retryable = retryable;
        auto done = std::move(done_);
        if (done) done(std::move(o));
    });
}

// Watches gaia's end of an output pipe; false when libuv cannot take it (the fd closed).
bool ProcessTask::open_parent_end(Stream& s, int parent_fd) {
    struct stat st {};
    if (::fstat(parent_fd, &st) == 0) pipe_inodes_.push_back(st.st_ino);
    int error = 0;
    s.pipe = loop::Pipe::open(manager_.env().loop, parent_fd, &error);
    if (!s.pipe) {
        ::close(parent_fd);
        watch_error_ = loop::uv_message(error, "cannot watch the output of `" + program_ + "`");
        return false;
    }
    return true;
}

bool ProcessTask::prepare_stream(Stream& s, const char* name, const run::TaskContext& ctx) {
    switch (s.spec.mode) {
    case StreamMode::discard: return true;  // the spawner connects /dev/null
    case StreamMode::capture:
    case StreamMode::inherit:
        // Made on the thread pool right before the spawn (ProcessManager::spawn).
        pipes_[&s == &out_ ? 1 : 2] = true;
        return true;
    case StreamMode::file: {
        std::string path;
        try {
            path = s.spec.file.render(ctx.scope);
        } catch (const jobfile::RenderError& e) {
            fail_soon(std::string(name) + "_file: " + e.what(), false);
            return false;
        }
        s.child_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (s.child_fd < 0) {
            fail_soon(std::string("cannot open ") + name + "_file `" + path + "`: " + std::strerror(errno), false);
            return false;
        }
        return true;
    }
    }
    return false;
}

// The command line, environment, directory and stdin of this instance, rendered.
ProcessTask::Command ProcessTask::render_command(const run::TaskContext& ctx) const {
    Command c;
    if (config_.shell) {
        c.argv = {"/bin/sh", "-c", config_.shell->render(ctx.scope)};
    } else {
        for (const auto& t : config_.command) c.argv.push_back(t.render(ctx.scope));
    }
    if (config_.cwd) c.cwd = config_.cwd->render(ctx.scope);
    if (config_.stdin_text) c.stdin_text = config_.stdin_text->render(ctx.scope);
    std::vector<std::pair<std::string, std::string>> overrides;
    for (const auto& [name, value] : config_.env) overrides.emplace_back(name, value.render(ctx.scope));
    if (!config_.clear_env) {
        for (char** e = environ; *e != nullptr; ++e) {
            std::string_view entry(*e);
            auto name = entry.substr(0, entry.find('='));
            bool replaced =
                std::any_of(overrides.begin(), overrides.end(), [&](const auto& o) { return o.first == name; });
            if (!replaced) c.env.emplace_back(entry);
        }
    }
    for (const auto& [name, value] : overrides) c.env.push_back(name + "=" + value);
    return c;
}

void ProcessTask::start(const run::TaskContext& ctx, run::Completion done) {
    ctx_ = &ctx;
    done_ = std::move(done);
    prefix_ = job_.fan_out ? job_.name + "#" + std::to_string(ctx.index) : job_.name;
    Command command;
    try {
        command = render_command(ctx);
    } catch (const jobfile::RenderError& e) {
        fail_soon(e.what(), false);
        return;
    }
    auto& [argv, env, cwd, stdin_text] = command;
    std::string path_var;
    if (argv.empty() || argv[0].empty()) {
        fail_soon("the command is empty", false);
        return;
    }
    program_ = argv[0];
    for (const auto& e : env) {
        if (e.rfind("PATH=", 0) == 0) path_var = e.substr(5);
    }
    int lookup_error = 0;
    auto resolved = manager_.find_program(program_, path_var, &lookup_error);
    if (!resolved) {
        fail_soon(loop::uv_message(-lookup_error, "cannot start `" + program_ + "`"), false);
        return;
    }
    if (!cwd.empty()) {
        struct stat st {};
        if (::stat(cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            fail_soon("cwd `" + cwd + "` is not a directory", false);
            return;
        }
    }

    pipes_[0] = config_.stdin_text.has_value();
    if (!prepare_stream(out_, "stdout", ctx) || !prepare_stream(err_, "stderr", ctx)) return;

    loop::SpawnRequest request;
    request.program = *resolved;
    request.argv = std::move(argv);
    request.env = std::move(env);
    request.cwd = cwd;
    request.stdout_fd = out_.child_fd;
    request.stderr_fd = err_.child_fd;
    std::string limit_error;
    if (!manager_.apply_limits(job_, config_, ctx, request, cgroup_, &limit_error)) {
        fail_soon(limit_error, false);
        return;
    }

    started_ns_ = loop::Loop::hrtime_ns();
    auto& manager = manager_;
    spawn_mark_ = manager_.env().children.begin_spawn();
    manager_.spawn(job_, ctx, std::move(request), pipes_, cgroup_,
                   [this, &manager, alive = std::weak_ptr<const char>(alive_), mark = spawn_mark_,
                    stdin_text = std::move(stdin_text)](ProcessManager::Spawn spawn) mutable {
                       if (alive.expired()) {
                           // The scheduler deletes a task only once it has completed, which
                           // waits for this; should that ever change, nothing is left running.
                           manager.env().children.end_spawn(mark);
                           for (int fd : spawn.ends) {
                               if (fd >= 0) ::close(fd);
                           }
                           if (spawn.pid > 0) ::kill(-spawn.pid, SIGKILL);
                           if (!spawn.cgroup.empty()) manager.release_cgroup(spawn.cgroup);
                           return;
                       }
                       cgroup_ = std::move(spawn.cgroup);
                       on_spawned(spawn, std::move(stdin_text));
                   });
}

void ProcessTask::on_spawned(const ProcessManager::Spawn& spawn, std::string stdin_text) {
    close_child_ends();  // the child has its copies
    const pid_t pid = spawn.pid;
    if (pid < 0) {
        manager_.env().children.end_spawn(spawn_mark_);
        if (spawn.failed_pipe >= 0) {
            static constexpr const char* kNames[] = {"stdin", "stdout", "stderr"};
            fail_soon(std::string("cannot create a pipe for ") + kNames[spawn.failed_pipe] + ": " +
                          loop::pipe_failure(-pid),
                      true);
            return;
        }
        const bool permanent = pid == -ENOENT || pid == -EACCES || pid == -ENOTDIR || pid == -ENOEXEC;
        fail_soon(loop::uv_message(pid, "cannot start `" + program_ + "`"), !permanent);
        return;
    }
    // gaia's ends of the pipes. Should libuv refuse one, the process is stopped and the
    // attempt fails with why once it has ended (watch_error_).
    bool watched = true;
    if (spawn.ends[0] >= 0) {
        int error = 0;
        stdin_ = loop::Pipe::open(manager_.env().loop, spawn.ends[0], &error);
        if (!stdin_) {
            ::close(spawn.ends[0]);
            watch_error_ = loop::uv_message(error, "cannot write the stdin of `" + program_ + "`");
            watched = false;
        }
    }
    if (spawn.ends[1] >= 0) watched = open_parent_end(out_, spawn.ends[1]) && watched;
    if (spawn.ends[2] >= 0) watched = open_parent_end(err_, spawn.ends[2]) && watched;
    pid_ = pid;
    manager_.on_spawned(pid_);
    // The child may have ended already: spawned on a pool thread, it was reaped before its
    // pid came back to the loop.
    manager_.env().children.watch(pid_, spawn_mark_, [this](int status, const rusage& usage) { on_exit(status, usage); });
    if (stdin_) stdin_.release()->write_and_close(std::move(stdin_text));
    start_reading(out_, false);
    start_reading(err_, true);
    if (!watched) return signal_group(SIGKILL);
    // Cancelled while the spawn was under way: stopped now that there is a group to stop.
    if (cancelled_) return stop_group();
    if (config_.background) watch_readiness();
}

void ProcessTask::watch_readiness() {
    auto& loop = manager_.env().loop;
    ready_deadline_ = loop::Timer::create(loop);
    ready_deadline_->start(std::chrono::duration_cast<std::chrono::milliseconds>(config_.ready.timeout), [this] {
        if (ready_ || exited_) return;
        not_ready_ = "service not ready after " + jobfile::format_duration(config_.ready.timeout);
        cancel();
    });
    switch (config_.ready.kind) {
    case ReadySpec::Kind::started:
        probe_timer_ = loop::Timer::create(loop);
        probe_timer_->start(std::chrono::milliseconds(0), [this] { become_ready(); });
        break;
    case ReadySpec::Kind::tcp:
    case ReadySpec::Kind::http: {
        std::string error;  // the address was checked when the file was loaded
        probe_target_ = parse_probe_target(config_.ready.target, config_.ready.kind == ReadySpec::Kind::http, &error);
        probe_timer_ = loop::Timer::create(loop);
        probe_once();
        break;
    }
    case ReadySpec::Kind::log:
        break;  // lines are checked as they arrive (check_ready_line)
    }
}

void ProcessTask::probe_once() {
    if (!probe_target_) return;
    probe_ = ReadinessProbe::attempt(manager_.env().loop, *probe_target_, [this](bool ok) {
        probe_.reset();
        if (ready_ || exited_ || cancelled_ || completed_) return;
        if (ok) return become_ready();
        probe_timer_->start(std::chrono::milliseconds(100), [this] { probe_once(); });
    });
    // Could not even start (out of sockets): try again like after a refused connection.
    if (!probe_) probe_timer_->start(std::chrono::milliseconds(100), [this] { probe_once(); });
}

void ProcessTask::check_ready_line(std::string_view line) {
    if (ready_ || exited_ || cancelled_) return;
    if (RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *config_.ready.regex)) become_ready();
}

void ProcessTask::become_ready() {
    if (ready_ || exited_ || cancelled_ || completed_) return;
    ready_ = true;
    completed_ = true;
    ready_deadline_.reset();
    probe_timer_.reset();
    probe_.reset();
    run::TaskOutcome o;
    o.status = run::TaskStatus::passed;
    o.details["pid"] = pid_;
    o.details["ready_after_s"] = static_cast<double>(loop::Loop::hrtime_ns() - started_ns_) / 1e9;
    const std::string out_text = out_.tail.str();
    for (const auto& c : config_.captures) {
        if (c.source == CaptureSpec::Source::stdout_text) o.captures[c.name] = strip_trailing_newlines(out_text);
        std::string group;
        if (c.source == CaptureSpec::Source::stdout_regex && RE2::PartialMatch(out_text, *c.regex, &group)) {
            o.captures[c.name] = group;
        }
    }
    auto done = std::move(done_);
    if (done) done(std::move(o));
}

void ProcessTask::stop_service() {
    if (stopping_ || exited_) return;
    stopping_ = true;
    signal_group(config_.kill_signal);
    if (config_.kill_signal == SIGKILL) return;
    const auto grace = config_.kill_grace.value_or(manager_.config().kill_grace);
    timer_ = loop::Timer::create(manager_.env().loop);
    timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(grace), [this] {
        if (!exited_) signal_group(SIGKILL);
    });
}

void ProcessTask::start_reading(Stream& s, bool is_stderr) {
    if (!s.pipe) return;
    if (s.spec.mode == StreamMode::inherit) {
        s.lines.emplace([this, is_stderr](std::string_view line) {
            manager_.env().output.write_line(is_stderr, prefix_, line);
        });
    }
    auto& ready_lines = is_stderr ? ready_err_ : ready_out_;
    if (config_.background && config_.ready.kind == ReadySpec::Kind::log) {
        ready_lines.emplace([this](std::string_view line) { check_ready_line(line); });
    }
    ++open_streams_;
    const int rc = s.pipe->read_start(
        [&s, &ready_lines](std::string_view data) {
            s.tail.append(data);
            if (s.lines) s.lines->feed(data);
            if (ready_lines) ready_lines->feed(data);
        },
        [this, &s](int) {
            if (s.lines) s.lines->finish();
            s.pipe.reset();
            --open_streams_;
            // The exit usually comes first, and then the group is checked every 5 ms until
            // the pipes close: the last one closing is the moment to look again, not the
            // next tick (which held each of 5,000 short processes' slots up to 5 ms longer).
            if (exited_ && !group_gone_ && open_streams_ == 0) return wait_for_group();
            maybe_complete();
        });
    if (rc < 0) {
        s.pipe.reset();
        --open_streams_;
    }
}

void ProcessTask::on_exit(int wait_status, const rusage& usage) {
    exited_ = true;
    wait_status_ = wait_status;
    usage_ = usage;
    seconds_ = static_cast<double>(loop::Loop::hrtime_ns() - started_ns_) / 1e9;
    if (timer_) timer_->stop();
    // A job's process group does not outlive its leader: whatever it left running would
    // be an orphan (and would hold its output pipes open). Usually nothing is left.
    job_emptied_ = manager_.job_gone(pid_, cgroup_);
    if (!job_emptied_) signal_group(SIGKILL);
    const char* status = WIFSIGNALED(wait_status) ? "killed" : (WEXITSTATUS(wait_status) == 0 ? "success" : "failure");
    manager_.on_exited(job_, status, seconds_, seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime));
    ready_deadline_.reset();
    probe_timer_.reset();
    probe_.reset();
    if (ready_ && !stopping_) {
        const std::string how = WIFSIGNALED(wait_status) ? "was killed by " + text::signal_name(WTERMSIG(wait_status))
                                                         : "exited with code " + std::to_string(WEXITSTATUS(wait_status));
        std::string reason = "service `" + job_.name + "` " + how + " while jobs that need it were pending or running";
        auto context = last_line(err_.tail.str());
        if (!context.empty()) reason += ": " + context;
        manager_.service_lost(job_, reason);
    }
    wait_for_group();
}

void ProcessTask::wait_for_group() {
    // Killed members stay in the group until they are reaped (the child watcher reaps
    // them on SIGCHLD: gaia is a child subreaper). The attempt ends only when nothing of
    // the job is left: its group and its cgroup are empty and its output pipes closed —
    // a child that left the group and kept them open is found and killed too.
    // An empty group and cgroup stay empty (nothing is left to fork or to join them), so
    // one look that found them so is enough; and while output is still open, the look can
    // wait for its end.
    if (!job_emptied_ && open_streams_ == 0) job_emptied_ = manager_.job_gone(pid_, cgroup_);
    const bool gone = job_emptied_ && open_streams_ == 0;
    if (gone || ++group_polls_ > 400) {
        if (!gone && open_streams_ > 0) {
            // Something gaia cannot find holds the output open: stop reading rather than
            // wait for it for ever.
            spdlog::warn("{}: a process outside the job's reach holds its output open; stopped reading it", prefix_);
            out_.pipe.reset();
            err_.pipe.reset();
            open_streams_ = 0;
        }
        group_gone_ = true;
        manager_.on_group_gone(pid_);
        maybe_complete();
        return;
    }
    // Every 100 ms: whatever was forked while the job was being killed, or still holds its
    // output. (Not at once: a process's pipes usually close a moment after its exit, and
    // looking for their holders reads every process's descriptors.)
    if (group_polls_ % 20 == 0) {
        signal_group(SIGKILL);
        if (open_streams_ > 0) manager_.signal_pipe_holders(cgroup_, pipe_inodes_, SIGKILL);
    }
    if (!timer_) timer_ = loop::Timer::create(manager_.env().loop);
    timer_->start(std::chrono::milliseconds(5), [this] { wait_for_group(); });
}

void ProcessTask::cancel() {
    if (cancelled_ || completed_) return;
    cancelled_ = true;
    if (pid_ == 0 || exited_) return;  // not started yet, or a spawn under way: on_spawned stops it
    stop_group();
}

void ProcessTask::stop_group() {
    signal_group(config_.kill_signal);
    if (config_.kill_signal == SIGKILL) return;
    const auto grace = config_.kill_grace.value_or(manager_.config().kill_grace);
    timer_ = loop::Timer::create(manager_.env().loop);
    timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(grace), [this] {
        if (!exited_) signal_group(SIGKILL);
    });
}

void ProcessTask::maybe_complete() {
    if (ready_ && !gone_notified_ && group_gone_ && open_streams_ == 0) {
        gone_notified_ = true;
        manager_.on_service_gone(this);
        return;
    }
    if (completed_ || !group_gone_ || open_streams_ > 0) return;
    completed_ = true;
    timer_.reset();
    auto outcome_now = outcome();
    if (outcome_now.status != run::TaskStatus::passed) {
        outcome_now.stdout_tail = text::tail_of(out_.tail.str(), run::TaskOutcome::kTailBytes);
        outcome_now.stderr_tail = text::tail_of(err_.tail.str(), run::TaskOutcome::kTailBytes);
        if (ctx_->artifacts != run::ArtifactMode::off) {
            for (auto* stream : {&out_, &err_}) {
                const auto& tail = stream->tail;
                if (tail.total_bytes() == 0) continue;
                std::string text = tail.str();
                if (tail.truncated()) {
                    text = "[gaia: the last " + std::to_string(text.size()) + " of " + std::to_string(tail.total_bytes()) +
                           " bytes]\n" + text;
                }
                outcome_now.artifacts.push_back({stream == &out_ ? "stdout.txt" : "stderr.txt", std::move(text)});
            }
        }
    }
    // An empty cgroup serves the next process at once, not once this task is deleted (a
    // loop turn later, when the scheduler has started the next one and made it another).
    if (!cgroup_.empty() && job_emptied_) {
        manager_.release_cgroup(cgroup_, true);
        cgroup_.clear();
    }
    auto done = std::move(done_);
    if (done) done(std::move(outcome_now));
}

run::TaskOutcome ProcessTask::outcome() {
    run::TaskOutcome o;
    Exit exit;
    exit.term_signal = WIFSIGNALED(wait_status_) ? WTERMSIG(wait_status_) : 0;
    exit.status = WIFEXITED(wait_status_) ? WEXITSTATUS(wait_status_) : 0;
    const double user = seconds_of(usage_.ru_utime), system = seconds_of(usage_.ru_stime);
    // ru_maxrss is the largest of the leader and its reaped descendants, in KiB; a cgroup,
    // when there is one, saw every process of the job.
    exit.peak_rss = static_cast<std::uint64_t>(usage_.ru_maxrss) * 1024;
    if (!cgroup_.empty()) exit.peak_rss = std::max(exit.peak_rss, manager_.cgroup_peak_memory(cgroup_));
    exit.killed_by = manager_.limit_verdict(config_, exit.term_signal, exit.status, user + system, cgroup_);
    if (exit.killed_by) manager_.on_killed_by_limit(job_, exit.killed_by->first);
    o.bytes = out_.tail.total_bytes() + err_.tail.total_bytes();
    o.cpu_s = user + system;
    o.peak_rss_bytes = exit.peak_rss;
    if (exit.term_signal == 0) {
        o.code_kind = run::CodeKind::exit_code;
        o.code = exit.status;
    }
    o.signal = exit.term_signal;
    o.killed = exit.killed_by.has_value();
    o.details["exit_code"] = exit.term_signal != 0 ? nlohmann::json(nullptr) : nlohmann::json(exit.status);
    o.details["signal"] = exit.term_signal != 0 ? nlohmann::json(text::signal_name(exit.term_signal)) : nlohmann::json(nullptr);
    o.details["wall_s"] = seconds_;
    o.details["user_cpu_s"] = user;
    o.details["system_cpu_s"] = system;
    o.details["peak_rss_bytes"] = exit.peak_rss;
    o.details["killed_by"] = exit.killed_by ? nlohmann::json(exit.killed_by->first) : nlohmann::json(nullptr);
    o.details["stdout_bytes"] = out_.tail.total_bytes();
    o.details["stderr_bytes"] = err_.tail.total_bytes();
    const std::string out_text = out_.tail.str();
    add_captures(o, exit, out_text);
    if (!watch_error_.empty()) {
        o.status = run::TaskStatus::failed;
        o.error = watch_error_;
        o.retryable = true;
        return o;
    }
    if (!not_ready_.empty()) {
        o.status = run::TaskStatus::failed;
        o.error = not_ready_;
        return o;
    }
    if (config_.background && !cancelled_) {
        o.status = run::TaskStatus::failed;
        o.error = "service exited before it was ready (" +
                  (exit.term_signal != 0 ? "killed by " + text::signal_name(exit.term_signal)
                                         : "exit code " + std::to_string(exit.status)) + ")";
        auto context = last_line(err_.tail.str());
        if (!context.empty()) o.error += ": " + context;
        return o;
    }
    if (cancelled_) {
        o.status = run::TaskStatus::cancelled;
        o.error = "cancelled";
        return o;
    }
    check_expectations(o, exit, out_text);
    return o;
}

void ProcessTask::add_captures(run::TaskOutcome& o, const Exit& exit, const std::string& out_text) const {
    for (const auto& c : config_.captures) {
        switch (c.source) {
        case CaptureSpec::Source::stdout_text:
            // All of stdout or an error: never the last 64 KiB passed off as the whole.
            if (!out_.tail.truncated()) o.captures[c.name] = strip_trailing_newlines(out_text);
            break;
        case CaptureSpec::Source::exit_code:
            if (exit.term_signal == 0) o.captures[c.name] = exit.status;
            break;
        case CaptureSpec::Source::stdout_regex: {
            std::string group;
            if (c.regex->NumberOfCapturingGroups() == 0) {
                re2::StringPiece match;
                if (RE2::PartialMatch(out_text, "(" + c.regex->pattern() + ")", &match)) {
                    o.captures[c.name] = std::string(match);
                }
            } else if (RE2::PartialMatch(out_text, *c.regex, &group)) {
                o.captures[c.name] = group;
            }
            break;
        }
        }
    }
}

// The exit, the output and the captures against the job's expectations; the first
// problem is the error.
void ProcessTask::check_expectations(run::TaskOutcome& o, const Exit& exit, const std::string& out_text) const {
    auto fail = [&](std::string error) {
        if (o.status == run::TaskStatus::failed && !o.error.empty()) return;
        o.status = run::TaskStatus::failed;
        o.error = std::move(error);
    };
    o.status = run::TaskStatus::passed;
    const std::string err_text = err_.tail.str();
    if (exit.killed_by) {
        fail("killed by the " + exit.killed_by->second);
    } else if (exit.term_signal != 0) {
        fail("killed by " + text::signal_name(exit.term_signal));
    } else if (std::find(config_.expect_exit_codes.begin(), config_.expect_exit_codes.end(), exit.status) ==
               config_.expect_exit_codes.end()) {
        std::string expected;
        for (auto code : config_.expect_exit_codes) expected += (expected.empty() ? "" : ", ") + std::to_string(code);
        std::string message = "exit code " + std::to_string(exit.status) + " (expected " + expected + ")";
        auto context = last_line(err_text.empty() ? out_text : err_text);
        if (!context.empty()) message += ": " + context;
        fail(message);
    }
    try {
        for (const auto& t : config_.stdout_contains) {
            auto needle = t.render(ctx_->scope);
            if (out_text.find(needle) == std::string::npos) fail("stdout does not contain \"" + needle + "\"");
        }
        for (const auto& t : config_.stderr_contains) {
            auto needle = t.render(ctx_->scope);
            if (err_text.find(needle) == std::string::npos) fail("stderr does not contain \"" + needle + "\"");
        }
    } catch (const jobfile::RenderError& e) {
        fail(e.what());
    }
    if (config_.max_memory && exit.peak_rss > *config_.max_memory) {
        fail("peak RSS " + std::to_string(exit.peak_rss) + " bytes is over expect.max_memory (" +
             std::to_string(*config_.max_memory) + " bytes)");
    }
    for (const auto& re : config_.stdout_matches) {
        if (!RE2::PartialMatch(out_text, *re)) fail("stdout does not match /" + text::written_pattern(*re) + "/");
    }
    for (const auto& c : config_.captures) {
        if (c.source == CaptureSpec::Source::stdout_regex && !o.captures.count(c.name)) {
            fail("capture `" + c.name + "`: /" + text::written_pattern(*c.regex) + "/ did not match stdout");
        }
    }
    if (o.status == run::TaskStatus::failed && (out_.tail.truncated() || err_.tail.truncated())) {
        o.error += " (checked the last 64 KiB of output)";
    }
    for (const auto& c : config_.captures) {
        if (c.source == CaptureSpec::Source::stdout_text && out_.tail.truncated()) {
            fail("capture `" + c.name + "`: stdout is " + std::to_string(out_.tail.total_bytes()) +
                 " bytes, more than the " + std::to_string(out_.tail.capacity() >> 10) +
                 " KiB kept (write it to a file with stdout_file and read that)");
        }
    }
}

}  // namespace gaia::jobs::process
