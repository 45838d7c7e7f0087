#pragma once
// One Chromium process driven over --remote-debugging-pipe: found (gaia-jobs(5), [browser]), launched
// with a fresh user-data-dir and the flags that keep it quiet, watched (an exit gaia did
// not ask for fails every pending call with the browser's last stderr lines), and
// stopped: Browser.close, a grace period, then SIGKILL to its whole process group. Its
// user-data-dir is removed afterwards, on the thread pool.

#include "core/loop/child_watcher.hpp"
#include "core/loop/lifetime.hpp"
#include "core/loop/pipe.hpp"
#include "core/loop/timer.hpp"
#include "jobs/browser/cdp_connection.hpp"
#include "jobs/browser/cdp_transport.hpp"

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::browser {

struct LaunchOptions {
    std::string executable;                 // a path (find_chromium)
    bool headless = true;
    std::vector<std::string> args;          // [browser].args, after gaia's own
    std::vector<std::string> extensions;    // unpacked extension directories
    std::chrono::milliseconds launch_timeout{30'000};
    std::chrono::milliseconds close_grace{2'000};
    std::size_t max_message = 256u << 20;  // a full-page screenshot is one message
};

// $GAIA_CHROMIUM, then chromium, chromium-browser, google-chrome on PATH. On failure
// *error says what was tried.
std::optional<std::string> find_chromium(std::string* error);

// Resident memory of every process in a process group, from /proc.
std::uint64_t process_group_rss(pid_t group);

// The command line gaia starts Chromium with (without the executable).
std::vector<std::string> chromium_arguments(const LaunchOptions& options, const std::string& user_data_dir);

class Chromium {
public:
    Chromium(loop::Loop& loop, loop::ChildWatcher& children, LaunchOptions options);
    ~Chromium();  // a browser still running is killed (SIGKILL) and its directory removed
    Chromium(const Chromium&) = delete;
    Chromium& operator=(const Chromium&) = delete;

    // Starts the browser; `ready` gets an empty string once it answers, or the reason it
    // did not (within launch_timeout). After that, `exited` gets the reason if the
    // browser dies without being asked to. Both on later loop turns.
    void launch(std::function<void(std::string error)> ready, std::function<void(std::string reason)> exited);

    CdpConnection& cdp() noexcept { return *cdp_; }
    pid_t pid() const noexcept { return pid_; }
    bool running() const noexcept { return pid_ > 0; }
    // The browser's own profile directory, on every one of its processes' command lines.
    const std::string& user_data_dir() const noexcept { return user_data_dir_; }
    std::string stderr_tail() const;
    // Resident memory of the browser and every process of its group (renderers, GPU,
    // zygote), from /proc: what the browser really costs.
    std::uint64_t resident_bytes() const;

    // Browser.close, then SIGKILL after close_grace; `closed` once the process is reaped
    // and its user-data-dir removed.
    void close(std::function<void()> closed);
    // gaia must die now: SIGKILL to the process group, no waiting.
    void kill_now() noexcept;

private:
    void load_extensions(std::size_t next);
    void on_stderr(std::string_view chunk);
    void on_pipe_closed(const std::string& reason, bool broken);
    void on_exit(int wait_status);
    void gone(const std::string& reason);
    void remove_user_data_dir(std::function<void()> then);

    loop::Loop& loop_;
    loop::ChildWatcher& children_;
    LaunchOptions options_;
    std::string user_data_dir_;
    pid_t pid_ = -1;
    std::unique_ptr<CdpTransport> transport_;
    std::unique_ptr<CdpConnection> cdp_;
    loop::HandlePtr<loop::Pipe> stderr_;
    loop::HandlePtr<loop::Timer> timer_;
    std::deque<std::string> stderr_lines_;
    std::string stderr_partial_;
    std::function<void(std::string)> ready_;
    std::function<void(std::string)> exited_;
    std::function<void()> closed_;
    bool closing_ = false;
    // Why gaia killed a browser whose pipe broke: what its calls fail with, rather than
    // the SIGKILL it then died of.
    std::string broke_because_;
    // Work on the thread pool that outlives this object (removing the user-data-dir)
    // then calls nothing of it.
    loop::Lifetime life_;
};

}  // namespace gaia::jobs::browser
