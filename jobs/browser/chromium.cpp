#include "jobs/browser/chromium.hpp"

#include "core/loop/spawn.hpp"
#include "core/loop/work.hpp"

#include <spdlog/spdlog.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace gaia::jobs::browser {
namespace {

constexpr std::size_t kStderrLines = 12;
constexpr std::size_t kStderrLineMax = 400;

std::string exit_reason(int status) {
    if (WIFSIGNALED(status)) return std::string("the browser was killed by signal ") + sigabbrev_np(WTERMSIG(status));
    return "the browser exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

std::uint64_t process_group_rss(pid_t group) {
    std::uint64_t total = 0;
    const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream stat(entry.path() / "stat");
        std::string text;
        std::getline(stat, text);
        // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
        const auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        std::istringstream fields(text.substr(close + 1));
        std::string state;
        long ppid = 0, pgrp = 0;
        if (!(fields >> state >> ppid >> pgrp) || pgrp != group) continue;
        std::ifstream statm(entry.path() / "statm");
        std::uint64_t size = 0, resident = 0;
        if (statm >> size >> resident) total += resident * page;
    }
    return total;
}

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
        // Pages get Playwright's default viewport unless a job sets its own.
        //"--window-size=1280,720",
        // Each browser window (one per context) would also start two WebUI renderers for
        // an omnibox popup nobody sees: measured at 100 ms of CPU per page.
        "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,WebUIOmniboxPopup,"
        "WebUIOmniboxAimPopup",
    };
    if (options.headless) {
        args.push_back("--headless");
        // Screenshots show the page, not a scrollbar (a full page is as wide as the viewport).
        args.push_back("--hide-scrollbars");
    }
    // Chromium refuses to run as root with its sandbox; as anyone else the sandbox stays.
    if (::geteuid() == 0) args.push_back("--no-sandbox");
    if (options.extensions.empty()) {
        args.push_back("--disable-extensions");
    } else {
        // Extensions are loaded over CDP (Extensions.loadUnpacked), which needs this switch:
        // --load-extension cannot enable them in the isolated contexts pages run in.
        args.push_back("--enable-unsafe-extension-debugging");
    }
    args.insert(args.end(), options.args.begin(), options.args.end());
    // No window of its own: every page is a target gaia creates in a context of its own.
    args.push_back("--no-startup-window");
    return args;
}

Chromium::Chromium(loop::Loop& loop, loop::ChildWatcher& children, LaunchOptions options)
    : loop_(loop), children_(children), options_(std::move(options)) {}

Chromium::~Chromium() {
    if (pid_ > 0) children_.unwatch(pid_);  // its exit must not call into a destroyed object
    kill_now();
    if (!user_data_dir_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(user_data_dir_, ec);
    }
}

// Long (about 85 lines) and kept whole: the command line, the two CDP pipes and the
// stderr pipe must be made, handed to the child and closed on our side in one order.
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
    int to_browser[2] = {-1, -1}, from_browser[2] = {-1, -1}, err[2] = {-1, -1};
    if (!loop::make_pipe(to_browser) || !loop::make_pipe(from_browser) || !loop::make_pipe(err)) {
        const int code = errno;
        // The pipes made before the one that failed are not left open.
        for (int fd : {to_browser[0], to_browser[1], from_browser[0], from_browser[1], err[0], err[1]}) {
            if (fd >= 0) ::close(fd);
        }
        fail_later("cannot make pipes for the browser: " + loop::pipe_failure(code));
        return;
    }
    loop::SpawnRequest request;
    request.program = options_.executable;
    request.argv = {options_.executable};
    auto args = chromium_arguments(options_, user_data_dir_);
    request.argv.insert(request.argv.end(), args.begin(), args.end());
    // Chromium keeps its singleton socket under TMPDIR: inside the user-data-dir it is
    // removed with it, even when the browser is killed and cannot clean up after itself.
    const std::string tmp = user_data_dir_ + "/tmp";
    ::mkdir(tmp.c_str(), 0700);
    for (char** e = environ; *e; ++e) {
        if (std::strncmp(*e, "TMPDIR=", 7) != 0) request.env.emplace_back(*e);
    }
    request.env.push_back("TMPDIR=" + tmp);
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
        loop_,
        [this](std::string message) {
            if (transport_ && transport_->send(std::move(message))) return true;
            // A browser without its pipe is on its way out (on_pipe_closed): the call waits
            // in the connection and fails with the reason its exit gives.
            return pid_ > 0;
        },
        [this] { return stderr_tail(); });
    try {
        transport_ = std::make_unique<CdpTransport>(
            loop_, to_browser[1], from_browser[0], options_.max_message,
            CdpTransport::Handlers{[this](std::string_view message) { cdp_->on_message(message); },
                                   [this](const std::string& reason, bool broken) { on_pipe_closed(reason, broken); }});
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
        auto on_ready = std::move(ready_);
        if (!on_ready) return;
        if (!reply.ok()) {
            if (timer_) timer_->stop();
            on_ready(reply.error);
            return;
        }
        spdlog::debug("browser {} ready: {}", pid_, reply.result.value("product", std::string()));
        ready_ = std::move(on_ready);
        load_extensions(0);
    });
}

void Chromium::load_extensions(std::size_t next) {
    if (next == options_.extensions.size()) {
        if (timer_) timer_->stop();
        if (auto on_ready = std::move(ready_)) on_ready({});
        return;
    }
    const auto& path = options_.extensions[next];
    // enableInIncognito: every page runs in a context of its own, which is off the record.
    cdp_->call("Extensions.loadUnpacked", {{"path", path}, {"enableInIncognito", true}}, [this, next, path](CdpReply reply) {
        if (!ready_) return;  // the browser went away meanwhile: gone() has answered
        if (!reply.ok()) {
            auto on_ready = std::move(ready_);
            on_ready("cannot load the extension " + path + ": " + reply.error);
            kill_now();
            return;
        }
        spdlog::debug("browser {}: extension {} loaded as {}", pid_, path, reply.result.value("id", std::string()));
        load_extensions(next + 1);
    });
}

std::uint64_t Chromium::resident_bytes() const {
    if (pid_ <= 0) return 0;
    return process_group_rss(pid_);
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

void Chromium::on_pipe_closed(const std::string& reason, bool broken) {
    if (pid_ <= 0) return gone(reason);
    // Without its pipe the browser is of no use, but its calls fail only once its exit is
    // known (on_exit): the pool hears first that the browser died, so a page caught in a
    // call is known to be lost with it (and is retried), not failed as if on its own.
    if (broken) {
        broke_because_ = reason;
        return kill_now();
    }
    // A pipe that ended is the browser exiting: its exit status says why, unless it
    // lingers past close_grace.
    if (!timer_) timer_ = loop::Timer::create(loop_);
    timer_->start(options_.close_grace, [this] { kill_now(); });
}

void Chromium::on_exit(int wait_status) {
    // Its renderers and helpers outlive a browser that crashed: they go with it, before
    // its user-data-dir is removed under them.
    ::kill(-pid_, SIGKILL);
    pid_ = -1;
    if (timer_) timer_->stop();
    const auto reason = broke_because_.empty() ? exit_reason(wait_status) : broke_because_;
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
        life_.guard([then = std::move(then)](bool) { then(); }));
}

}  // namespace gaia::jobs::browser
