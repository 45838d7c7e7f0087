#include "jobs/browser/chromium_version.hpp"

#include "core/loop/spawn.hpp"
#include "jobs/browser/chromium.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern char** environ;

namespace gaia::jobs::browser {
namespace {

// Debian's /usr/bin/chromium is a shell script that starts the real binary: about 0.2 s.
constexpr auto kPatience = std::chrono::seconds(10);
constexpr std::size_t kMaxOutput = 4096;

// Everything the child writes to `fd` until it closes it, kPatience passes or kMaxOutput
// is reached; *timed_out says which.
std::string read_until_closed(int fd, bool* timed_out) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    *timed_out = false;
    while (text.size() < kMaxOutput) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            *timed_out = true;
            break;
        }
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) break;
        if (ready == 0) continue;  // the deadline check above ends the wait
        char buffer[512];
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        text.append(buffer, static_cast<std::size_t>(n));
    }
    return text;
}

}  // namespace

std::string chromium_version() {
    std::string error;
    const auto path = find_chromium(&error);
    if (!path) return error;
    int out[2];
    if (!loop::make_pipe(out)) return *path + ": cannot make a pipe: " + loop::pipe_failure(errno);
    loop::SpawnRequest request;
    request.program = *path;
    request.argv = {*path, "--version"};
    for (char** e = environ; *e; ++e) request.env.emplace_back(*e);
    request.stdout_fd = out[1];
    const pid_t pid = loop::spawn_process(request);
    ::close(out[1]);
    if (pid < 0) {
        ::close(out[0]);
        return *path + ": " + std::strerror(-pid);
    }
    bool timed_out = false;
    std::string text = read_until_closed(out[0], &timed_out);
    ::close(out[0]);
    // The child leads its own process group: the wrapper script and what it started go together.
    if (timed_out || text.size() >= kMaxOutput) ::kill(-pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) return *path + ": printed no version within " + std::to_string(kPatience.count()) + " s";
    text = text.substr(0, text.find('\n'));
    if (text.empty()) {
        return *path + ": printed no version (exit status " +
               std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) + ")";
    }
    return text + " (" + *path + ")";
}

}  // namespace gaia::jobs::browser
