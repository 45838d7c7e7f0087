#include "core/loop/spawn.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <csignal>

namespace gaia::loop {

bool make_pipe(int fds[2]) {
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    // The kernel hands out the lowest free numbers, so every descriptor below the higher
    // end is taken: that number tells how full the table is, without counting it.
    rlimit limit{};
    const int top = std::max(fds[0], fds[1]);
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
        static_cast<rlim_t>(top) + kDescriptorReserve >= limit.rlim_cur) {
        ::close(fds[0]);
        ::close(fds[1]);
        errno = EMFILE;
        return false;
    }
    return true;
}

std::string pipe_failure(int err) {
    std::string text = std::strerror(err);
    rlimit limit{};
    if (err == EMFILE && ::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
        text += " (the limit is " + std::to_string(limit.rlim_cur) + " descriptors, " +
                std::to_string(kDescriptorReserve) + " of them kept for gaia)";
    }
    return text;
}

std::optional<std::string> find_program(std::string_view name, std::string_view path, int* error) {
    if (name.empty()) {
        *error = ENOENT;
        return std::nullopt;
    }
    if (name.find('/') != std::string_view::npos) {
        std::string p(name);
        if (::access(p.c_str(), X_OK) == 0) return p;
        *error = errno;
        return std::nullopt;
    }
    if (path.empty()) path = "/usr/local/bin:/usr/bin:/bin";
    *error = ENOENT;
    std::size_t start = 0;
    while (start <= path.size()) {
        auto colon = path.find(':', start);
        auto dir = path.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
        std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + std::string(name);
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
        if (errno == EACCES) *error = EACCES;  // found but not executable: say so, keep looking
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    return std::nullopt;
}

pid_t spawn_process(const SpawnRequest& request) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    if (posix_spawn_file_actions_init(&actions) != 0) return -ENOMEM;
    if (posix_spawnattr_init(&attr) != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return -ENOMEM;
    }
    int rc = 0;
    auto step = [&rc](int r) {
        if (rc == 0 && r != 0) rc = r;
    };
    const int fds[3] = {request.stdin_fd, request.stdout_fd, request.stderr_fd};
    for (int target = 0; target < 3; ++target) {
        if (fds[target] < 0) {
            step(posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0));
        } else {
            // dup2 onto the same number would keep close-on-exec; our fds are never 0-2
            // (main() keeps 0-2 open), so dup2 always clears it on the target.
            step(posix_spawn_file_actions_adddup2(&actions, fds[target], target));
        }
    }
    // Extra descriptors go through copies numbered 10 and up, so that no dup2 onto 3..9
    // can overwrite a source that another one still needs (and none keeps close-on-exec).
    std::vector<int> copies;
    for (const auto& [from, to] : request.extra_fds) {
        const int copy = ::fcntl(from, F_DUPFD_CLOEXEC, 10);
        if (copy < 0 || to < 3 || to > 9) {
            step(copy < 0 ? errno : EINVAL);
            if (copy >= 0) ::close(copy);
            continue;
        }
        copies.push_back(copy);
        step(posix_spawn_file_actions_adddup2(&actions, copy, to));
    }
    if (!request.cwd.empty()) step(posix_spawn_file_actions_addchdir_np(&actions, request.cwd.c_str()));
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Everything above the child's own descriptors is closed right after the clone, not
    // at the exec: a child that waits for a CPU before its exec would otherwise hold a
    // copy of every pipe gaia has open, keeping other jobs' output from its end of file
    // (and looking like one of its holders). One close_range instead of one close per
    // close-on-exec descriptor at the exec.
    int first_unused = 3;
    for (const auto& [from, to] : request.extra_fds) first_unused = std::max(first_unused, to + 1);
    step(posix_spawn_file_actions_addclosefrom_np(&actions, first_unused));
#endif

    // Signals gaia handles or ignores go back to their defaults in the child (an ignored
    // SIGPIPE would otherwise be inherited through exec); the mask is emptied.
    sigset_t defaults, empty;
    sigemptyset(&defaults);
    for (int sig : {SIGPIPE, SIGXFSZ, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&defaults, sig);
    sigemptyset(&empty);
    step(posix_spawnattr_setsigdefault(&attr, &defaults));
    step(posix_spawnattr_setsigmask(&attr, &empty));
    step(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));

    pid_t pid = -1;
    if (rc == 0) {
        std::vector<char*> argv, envp;
        for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        for (const auto& e : request.env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        rc = posix_spawn(&pid, request.program.c_str(), &actions, &attr, argv.data(), envp.data());
    }
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    for (int copy : copies) ::close(copy);
    return rc == 0 ? pid : -rc;
}

pid_t spawn_piped(SpawnRequest request, const std::array<bool, 3>& pipes, std::array<int, 3>& ends, int* failed_pipe) {
    ends = {-1, -1, -1};
    *failed_pipe = -1;
    std::array<int, 3> child_ends = {-1, -1, -1};
    auto close_each = [](std::array<int, 3>& fds) {
        for (int& fd : fds) {
            if (fd >= 0) ::close(fd);
            fd = -1;
        }
    };
    for (int n = 0; n < 3; ++n) {
        if (!pipes[n]) continue;
        int fds[2];
        if (!make_pipe(fds)) {
            const int error = errno;
            close_each(ends);
            close_each(child_ends);
            *failed_pipe = n;
            return -error;
        }
        // The child reads its stdin and writes its output.
        ends[n] = n == 0 ? fds[1] : fds[0];
        child_ends[n] = n == 0 ? fds[0] : fds[1];
    }
    int* targets[3] = {&request.stdin_fd, &request.stdout_fd, &request.stderr_fd};
    for (int n = 0; n < 3; ++n) {
        if (pipes[n]) *targets[n] = child_ends[n];
    }
    const pid_t pid = spawn_process(request);
    close_each(child_ends);  // the child has its copies
    if (pid < 0) close_each(ends);
    return pid;
}

}  // namespace gaia::loop
