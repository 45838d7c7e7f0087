#include "jobs/browser/chromium.hpp"

#include "core/loop/spawn.hpp"
#include "core/loop/work.hpp"

#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>

extern char** environ;

namespace gaia::jobs::browser {
namespace {

constexpr std::size_t kStderrLines = 12;
constexpr std::size_t kStderrLineMax = 400;

std::string join(const std::vector<std::string>& parts, char sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : std::string(1, sep)) + p;
    return out;
}

std::string exit_reason(int status) {
    if (WIFSIGNALED(status)) return std::string("the browser was killed by signal ") + sigabbrev_np(WTERMSIG(status));
    return "the browser exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

std::optional<std::string> find_chromium(std::string* error) {
    const char* path = std::getenv("PATH");
    int code = 0;
    if (const char* given = std::getenv("GAIA_CHROMIUM"); given && *given) {
        if (auto found = loop::find_program(given, path ? path : "", &code)) return found;
        *error = "GAIA_CHROMIUM=" + std::string(given) + ": " + std::strerror(code);
        return std::nullopt;
    }
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
        if (auto found = loop::find_program(name, path ? path : "", &code)) return found;
    }
    *error = "no Chromium found: set [browser].executable or GAIA_CHROMIUM, or install one (chromium, "
             "chromium-browser or google-chrome on PATH)";
    return std::nullopt;
}

std::vector<std::string> chromium_arguments(const LaunchOptions& options, const std::string& user_data_dir) {
    std::vector<std::string> args = {
        "--remote-debugging-pipe",
        "--user-data-dir=" + user_data_dir,
        // Nothing a test run needs: first-run UI, updates, sync, reporting, translation.
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-breakpad",
        "--disable-domain-reliability",
        "--metrics-recording-only",
        "--password-store=basic",
        "--use-mock-keychain",
        "--mute-audio",
        "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
    };
    if (options.headless) args.push_back("--headless");
    // Chromium refuses to run as root with its sandbox; as anyone else the sandbox stays.
    if (::geteuid() == 0) args.push_back("--no-sandbox");
    if (options.extensions.empty()) {
        args.push_back("--disable-extensions");
    } else {
        args.push_back("--load-extension=" + join(options.extensions, ','));
        args.push_back("--disable-extensions-except=" + join(options.extensions, ','));
    }
    args.insert(args.end(), options.args.begin(), options.args.end());
    args.push_back("about:blank");
    return args;
}

Chromium::Chromium(loop::Loop& loop, loop::ChildWatcher& children, LaunchOptions options)
    : loop_(loop), children_(children), options_(std::move(options)) {}

Chromium::~Chromium() {
    *alive_ = false;
    if (pid_ > 0) children_.unwatch(pid_);  // its exit must not call into a destroyed object
    kill_now();
    if (!user_data_dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(user_data_dir_, ec);
    }
}

void Chromium::launch(std::function<void(std::string)> ready, std::function<void(std::string)> exited) {
    ready_ = std::move(ready);
    exited_ = std::move(exited);
    auto fail_later = [this](std::string why) {
        loop_.post([this, why = std::move(why)] {
            if (auto r = std::move(ready_)) r(why);
        });
    };
    std::string dir = (std::filesystem::temp_directory_path() / "gaia-chromium-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) {
        fail_later(std::string("cannot make a user-data-dir for the browser: ") + std::strerror(errno));
        return;
    }
    user_data_dir_ = dir;
    int to_browser[2], from_browser[2], err[2];
    if (!loop::make_pipe(to_browser) || !loop::make_pipe(from_browser) || !loop::make_pipe(err)) {
        fail_later(std::string("cannot make pipes for the browser: ") + std::strerror(errno));
        return;
    }
    loop::SpawnRequest request;
    request.program = options_.executable;
    request.argv = {options_.executable};
    auto args = chromium_arguments(options_, user_data_dir_);
    request.argv.insert(request.argv.end(), args.begin(), args.end());
    for (char** e = environ; *e; ++e) request.env.emplace_back(*e);
    request.stderr_fd = err[1];
    request.extra_fds = {{to_browser[0], 3}, {from_browser[1], 4}};
    pid_ = loop::spawn_process(request);
    for (int fd : {to_browser[0], from_browser[1], err[1]}) ::close(fd);
    if (pid_ < 0) {
        const int code = -pid_;
        pid_ = -1;
        for (int fd : {to_browser[1], from_browser[0], err[0]}) ::close(fd);
        fail_later("cannot start " + options_.executable + ": " + std::strerror(code));
        return;
    }
    children_.watch(pid_, [this](int status, const rusage&) { on_exit(status); });
    int error = 0;
    stderr_ = loop::Pipe::open(loop_, err[0], &error);
    if (stderr_) stderr_->read_start([this](std::string_view chunk) { on_stderr(chunk); }, [](int) {});
    cdp_ = std::make_unique<CdpConnection>(
        loop_, [this](std::string message) { return transport_ && transport_->send(std::move(message)); },
        [this] { return stderr_tail(); });
    try {
        transport_ = std::make_unique<CdpTransport>(
            loop_, to_browser[1], from_browser[0], options_.max_message,
            CdpTransport::Handlers{[this](std::string_view message) { cdp_->on_message(message); },
                                   [this](const std::string& reason) { gone(reason); }});
    } catch (const std::exception& e) {
        fail_later(e.what());
        kill_now();
        return;
    }
    timer_ = loop::Timer::create(loop_);
    timer_->start(options_.launch_timeout, [this] {
        gone("the browser did not answer within " + std::to_string(options_.launch_timeout.count()) + " ms");
        kill_now();
    });
    cdp_->call("Browser.getVersion", {}, [this](CdpReply reply) {
        if (timer_) timer_->stop();
        auto on_ready = std::move(ready_);
        if (!on_ready) return;
        if (!reply.ok()) {
            on_ready(reply.error);
            return;
        }
        spdlog::debug("browser {} ready: {}", pid_, reply.result.value("product", std::string()));
        on_ready({});
    });
}

std::string Chromium::stderr_tail() const {
    std::string out;
    for (const auto& line : stderr_lines_) out += (out.empty() ? "" : "\n") + line;
    return out;
}

void Chromium::on_stderr(std::string_view chunk) {
    // Keep only the last lines, each bounded: Chromium can be chatty.
    for (char c : chunk) {
        if (c == '\n') {
            if (!stderr_partial_.empty()) stderr_lines_.push_back(std::move(stderr_partial_));
            stderr_partial_.clear();
            if (stderr_lines_.size() > kStderrLines) stderr_lines_.pop_front();
        } else if (stderr_partial_.size() < kStderrLineMax) {
            stderr_partial_.push_back(c);
        }
    }
}

void Chromium::gone(const std::string& reason) {
    if (cdp_) cdp_->fail_all(reason);
    if (transport_) transport_->close();
    if (auto on_ready = std::move(ready_)) on_ready(reason + (stderr_tail().empty() ? "" : "; its last output:\n" + stderr_tail()));
}

void Chromium::on_exit(int wait_status) {
    pid_ = -1;
    if (timer_) timer_->stop();
    const auto reason = exit_reason(wait_status);
    gone(reason);
    // The process is gone: its pipes and timer go too (a later turn frees them).
    transport_.reset();
    stderr_.reset();
    timer_.reset();
    if (closing_) {
        remove_user_data_dir([this] {
            if (auto closed = std::move(closed_)) closed();
        });
        return;
    }
    spdlog::warn("browser: {}", reason);
    if (auto exited = std::move(exited_)) exited(reason);
}

void Chromium::close(std::function<void()> closed) {
    closed_ = std::move(closed);
    closing_ = true;
    exited_ = nullptr;
    if (pid_ <= 0) {
        remove_user_data_dir([this] {
            if (auto done = std::move(closed_)) done();
        });
        return;
    }
    if (cdp_) cdp_->call("Browser.close", {}, [](CdpReply) {});
    if (!timer_) timer_ = loop::Timer::create(loop_);
    timer_->start(options_.close_grace, [this] { kill_now(); });
}

void Chromium::kill_now() noexcept {
    if (pid_ > 0) ::kill(-pid_, SIGKILL);  // the whole group: zygote, renderers, GPU process
}

void Chromium::remove_user_data_dir(std::function<void()> then) {
    if (user_data_dir_.empty()) {
        loop_.post(std::move(then));
        return;
    }
    auto dir = std::move(user_data_dir_);
    user_data_dir_.clear();
    loop::queue_work(
        loop_, [dir] {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        },
        [then = std::move(then), alive = alive_](bool) {
            if (*alive) then();
        });
}

}  // namespace gaia::jobs::browser
