#include "jobs/process/process_task.hpp"

#include "core/loop/uv_error.hpp"
#include "jobs/process/process_manager.hpp"
#include "jobs/process/signal_names.hpp"

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
    std::string line = text.substr(start == std::string::npos ? 0 : start + 1, end - (start == std::string::npos ? 0 : start + 1) + 1);
    if (line.size() > 200) line = line.substr(0, 200) + "…";
    return line;
}

std::string strip_trailing_newlines(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

}  // namespace

ProcessTask::ProcessTask(ProcessManager& manager, const jobfile::Job& job, const ProcessJobConfig& config)
    : manager_(manager), job_(job), config_(config) {
    out_.spec = config.out;
    err_.spec = config.err;
}

ProcessTask::~ProcessTask() {
    // The scheduler deletes a task only after its completion, so the group is gone; this
    // is the last line of defence against an orphan all the same.
    if (pgid_ != 0 && !exited_) signal_group(SIGKILL);
    for (auto* s : {&out_, &err_}) {
        if (s->file_fd >= 0) ::close(s->file_fd);
    }
}

void ProcessTask::signal_group(int signum) noexcept {
    if (pgid_ != 0) ::kill(-pgid_, signum);
}

void ProcessTask::fail_soon(std::string error, bool retryable) {
    completed_ = true;
    manager_.on_exited(job_, "spawn_error", 0);
    manager_.env().loop.post([this, error = std::move(error), retryable] {
        run::TaskOutcome o;
        o.status = run::TaskStatus::failed;
        o.error = error;
        o.retryable = retryable;
        auto done = std::move(done_);
        if (done) done(std::move(o));
    });
}

bool ProcessTask::prepare_stream(Stream& s, int fd, uv_stdio_container_t& container, const run::TaskContext& ctx) {
    switch (s.spec.mode) {
    case StreamMode::discard:
        container.flags = UV_IGNORE;  // libuv connects /dev/null
        return true;
    case StreamMode::capture:
    case StreamMode::inherit:
        s.pipe = loop::Pipe::create(manager_.env().loop);
        container.flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_WRITABLE_PIPE);
        container.data.stream = s.pipe->stream();
        return true;
    case StreamMode::file: {
        const std::string path = s.spec.file.render(ctx.scope);
        s.file_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (s.file_fd < 0) {
            fail_soon(std::string("cannot open ") + (fd == 1 ? "stdout_file" : "stderr_file") + " `" + path +
                          "`: " + std::strerror(errno),
                      false);
            return false;
        }
        container.flags = UV_INHERIT_FD;
        container.data.fd = s.file_fd;
        return true;
    }
    }
    return false;
}

void ProcessTask::start(const run::TaskContext& ctx, run::Completion done) {
    ctx_ = &ctx;
    done_ = std::move(done);
    prefix_ = job_.fan_out ? job_.name + "#" + std::to_string(ctx.index) : job_.name;
    std::vector<std::string> argv;
    std::vector<std::string> env;
    std::string cwd;
    std::string stdin_text;
    try {
        if (config_.shell) {
            argv = {"/bin/sh", "-c", config_.shell->render(ctx.scope)};
        } else {
            for (const auto& t : config_.command) argv.push_back(t.render(ctx.scope));
        }
        if (config_.cwd) cwd = config_.cwd->render(ctx.scope);
        if (config_.stdin_text) stdin_text = config_.stdin_text->render(ctx.scope);
        std::vector<std::pair<std::string, std::string>> overrides;
        for (const auto& [name, value] : config_.env) overrides.emplace_back(name, value.render(ctx.scope));
        if (!config_.clear_env) {
            for (char** e = environ; *e != nullptr; ++e) {
                std::string_view entry(*e);
                auto name = entry.substr(0, entry.find('='));
                bool replaced = std::any_of(overrides.begin(), overrides.end(),
                                            [&](const auto& o) { return o.first == name; });
                if (!replaced) env.emplace_back(entry);
            }
        }
        for (const auto& [name, value] : overrides) env.push_back(name + "=" + value);
    } catch (const jobfile::RenderError& e) {
        fail_soon(e.what(), false);
        return;
    }
    if (argv.empty() || argv[0].empty()) {
        fail_soon("the command is empty", false);
        return;
    }
    program_ = argv[0];
    if (!cwd.empty()) {
        struct stat st {};
        if (::stat(cwd.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
            fail_soon("cwd `" + cwd + "` is not a directory", false);
            return;
        }
    }

    uv_stdio_container_t stdio[3]{};
    if (config_.stdin_text) {
        stdin_ = loop::Pipe::create(manager_.env().loop);
        stdio[0].flags = static_cast<uv_stdio_flags>(UV_CREATE_PIPE | UV_READABLE_PIPE);
        stdio[0].data.stream = stdin_->stream();
    } else {
        stdio[0].flags = UV_IGNORE;  // /dev/null: hundreds of children must not share the terminal
    }
    if (!prepare_stream(out_, 1, stdio[1], ctx) || !prepare_stream(err_, 2, stdio[2], ctx)) return;

    std::vector<char*> argv_ptrs, env_ptrs;
    for (auto& a : argv) argv_ptrs.push_back(a.data());
    argv_ptrs.push_back(nullptr);
    for (auto& e : env) env_ptrs.push_back(e.data());
    env_ptrs.push_back(nullptr);

    uv_process_options_t options{};
    options.file = argv_ptrs[0];
    options.args = argv_ptrs.data();
    options.env = env_ptrs.data();
    options.cwd = cwd.empty() ? nullptr : cwd.c_str();
    options.stdio = stdio;
    options.stdio_count = 3;
    // DETACHED makes the child call setsid(): its own session and process group, so a
    // signal to -pgid reaches every process it started, and the terminal's Ctrl-C reaches
    // only gaia, which then stops the groups in order.
    options.flags = UV_PROCESS_DETACHED;

    started_ns_ = loop::Loop::hrtime_ns();
    int error = 0;
    process_ = loop::Process::spawn(
        manager_.env().loop, options, [this](std::int64_t status, int signal) { on_exit(status, signal); }, &error);
    for (auto* s : {&out_, &err_}) {
        if (s->file_fd >= 0) {
            ::close(s->file_fd);  // the child has its copy
            s->file_fd = -1;
        }
    }
    if (!process_) {
        out_.pipe.reset();
        err_.pipe.reset();
        stdin_.reset();
        const bool permanent = error == UV_ENOENT || error == UV_EACCES || error == UV_ENOTDIR;
        fail_soon(loop::uv_message(error, "cannot start `" + program_ + "`"), !permanent);
        return;
    }
    pgid_ = process_->pid();
    manager_.on_spawned(pgid_);
    if (stdin_) stdin_.release()->write_and_close(std::move(stdin_text));
    start_reading(out_, false);
    start_reading(err_, true);
}

void ProcessTask::start_reading(Stream& s, bool is_stderr) {
    if (!s.pipe) return;
    if (s.spec.mode == StreamMode::inherit) {
        s.lines.emplace([this, is_stderr](std::string_view line) {
            manager_.env().output.write_line(is_stderr, prefix_, line);
        });
    }
    ++open_streams_;
    const int rc = s.pipe->read_start(
        [&s](std::string_view data) {
            s.tail.append(data);
            if (s.lines) s.lines->feed(data);
        },
        [this, &s](int) {
            if (s.lines) s.lines->finish();
            s.pipe.reset();
            --open_streams_;
            maybe_complete();
        });
    if (rc < 0) {
        s.pipe.reset();
        --open_streams_;
    }
}

void ProcessTask::on_exit(std::int64_t exit_status, int term_signal) {
    exited_ = true;
    exit_status_ = exit_status;
    term_signal_ = term_signal;
    seconds_ = static_cast<double>(loop::Loop::hrtime_ns() - started_ns_) / 1e9;
    if (kill_timer_) kill_timer_->stop();
    // A job's process group does not outlive its leader: whatever it left running would
    // be an orphan (and would hold its output pipes open).
    signal_group(SIGKILL);
    manager_.on_exited(job_, term_signal != 0 ? "killed" : (exit_status == 0 ? "success" : "failure"), seconds_);
    process_.reset();
    wait_for_group();
}

void ProcessTask::wait_for_group() {
    // Killed members stay in the group until they are reaped; the attempt ends only when
    // the group is empty, so "done" means nothing of it is left.
    // gaia is a child subreaper (see ProcessManager), so the group's orphans are our
    // children: reap them here. waitpid(-pgid) touches only this group, never the
    // children libuv waits for.
    int status = 0;
    while (::waitpid(-pgid_, &status, WNOHANG) > 0) {
    }
    if (::kill(-pgid_, 0) != 0 || ++group_polls_ > 400) {
        group_gone_ = true;
        manager_.on_group_gone(pgid_);
        maybe_complete();
        return;
    }
    if (!kill_timer_) kill_timer_ = loop::Timer::create(manager_.env().loop);
    kill_timer_->start(std::chrono::milliseconds(5), [this] { wait_for_group(); });
}

void ProcessTask::cancel() {
    if (cancelled_ || completed_) return;
    cancelled_ = true;
    if (pgid_ == 0 || exited_) return;
    signal_group(config_.kill_signal);
    if (config_.kill_signal == SIGKILL) return;
    const auto grace = config_.kill_grace.value_or(manager_.config().kill_grace);
    kill_timer_ = loop::Timer::create(manager_.env().loop);
    kill_timer_->start(std::chrono::duration_cast<std::chrono::milliseconds>(grace), [this] {
        if (!exited_) signal_group(SIGKILL);
    });
}

void ProcessTask::maybe_complete() {
    if (completed_ || !group_gone_ || open_streams_ > 0) return;
    completed_ = true;
    kill_timer_.reset();
    auto done = std::move(done_);
    if (done) done(outcome());
}

run::TaskOutcome ProcessTask::outcome() {
    run::TaskOutcome o;
    o.bytes = out_.tail.total_bytes() + err_.tail.total_bytes();
    o.details["exit_code"] = term_signal_ != 0 ? nlohmann::json(nullptr) : nlohmann::json(exit_status_);
    o.details["signal"] = term_signal_ != 0 ? nlohmann::json(signal_name(term_signal_)) : nlohmann::json(nullptr);
    o.details["wall_s"] = seconds_;
    o.details["stdout_bytes"] = out_.tail.total_bytes();
    o.details["stderr_bytes"] = err_.tail.total_bytes();
    const std::string out_text = out_.tail.str();
    for (const auto& c : config_.captures) {
        switch (c.source) {
        case CaptureSpec::Source::stdout_text: o.captures[c.name] = strip_trailing_newlines(out_text); break;
        case CaptureSpec::Source::exit_code:
            if (term_signal_ == 0) o.captures[c.name] = exit_status_;
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
    if (cancelled_) {
        o.status = run::TaskStatus::cancelled;
        o.error = "cancelled";
        return o;
    }
    auto fail = [&](std::string error) {
        if (o.status == run::TaskStatus::failed && !o.error.empty()) return;
        o.status = run::TaskStatus::failed;
        o.error = std::move(error);
    };
    o.status = run::TaskStatus::passed;
    const std::string err_text = err_.tail.str();
    if (term_signal_ != 0) {
        fail("killed by " + signal_name(term_signal_));
    } else if (std::find(config_.expect_exit_codes.begin(), config_.expect_exit_codes.end(), exit_status_) ==
               config_.expect_exit_codes.end()) {
        std::string expected;
        for (auto code : config_.expect_exit_codes) expected += (expected.empty() ? "" : ", ") + std::to_string(code);
        std::string message = "exit code " + std::to_string(exit_status_) + " (expected " + expected + ")";
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
    for (const auto& re : config_.stdout_matches) {
        if (!RE2::PartialMatch(out_text, *re)) fail("stdout does not match /" + re->pattern().substr(4) + "/");
    }
    for (const auto& c : config_.captures) {
        if (c.source == CaptureSpec::Source::stdout_regex && !o.captures.count(c.name)) {
            fail("capture `" + c.name + "`: /" + c.regex->pattern().substr(4) + "/ did not match stdout");
        }
    }
    if (o.status == run::TaskStatus::failed && (out_.tail.truncated() || err_.tail.truncated())) {
        o.error += " (checked the last 64 KiB of output)";
    }
    return o;
}

}  // namespace gaia::jobs::process
