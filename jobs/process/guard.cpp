#include "jobs/process/guard.hpp"

#include "core/loop/spawn.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace gaia::jobs::process {
namespace {

// Kills every process in a cgroup directory until it is empty, then removes it. Members
// may fork while they are killed: a few rounds, then give up (a cgroup is not forever).
void empty_cgroup(const std::string& dir) {
    for (int round = 0; round < 200; ++round) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
        std::ifstream procs(dir + "/cgroup.procs");
        pid_t pid = 0;
        while (procs >> pid) ::kill(pid, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace

std::unique_ptr<Guard> Guard::start(const std::string& gaia_exe, std::string* error) {
    int fds[2];
    if (!loop::make_pipe(fds)) {
        *error = "cannot create the guard's pipe: " + loop::pipe_failure(errno);
        return nullptr;
    }
    loop::SpawnRequest request;
    request.program = gaia_exe;
    request.argv = {gaia_exe, kGuardCommand};
    request.stdin_fd = fds[0];
    const pid_t pid = loop::spawn_process(request);
    ::close(fds[0]);
    if (pid < 0) {
        ::close(fds[1]);
        *error = std::string("cannot start the guard: ") + std::strerror(-pid);
        return nullptr;
    }
    // Never wait on a guard that does not read: a full pipe loses a line, not gaia's time.
    ::fcntl(fds[1], F_SETFL, ::fcntl(fds[1], F_GETFL) | O_NONBLOCK);
    return std::unique_ptr<Guard>(new Guard(fds[1]));
}

Guard::~Guard() { ::close(fd_); }

void Guard::send(char what, const std::string& value, bool add) {
    std::string line;
    line += add ? '+' : '-';
    line += what;
    line += value;
    line += '\n';
    // Short lines into a pipe are written whole or not at all (PIPE_BUF).
    if (::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size()) || warned_) return;
    warned_ = true;
    spdlog::warn("the guard that stops gaia's processes if gaia is killed is not reachable ({}): they would outlive a "
                 "killed gaia", std::strerror(errno));
}

int guard_main(int, char**) {
    // Signals for gaia's terminal or service are not for the guard: only the end of the
    // pipe (gaia gone, however) ends it.
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGHUP, SIG_IGN);
    std::set<pid_t> groups;
    std::set<std::string> cgroups;
    std::string pending;
    char buf[4096];
    while (true) {
        const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
        std::size_t eol;
        while ((eol = pending.find('\n')) != std::string::npos) {
            const std::string line = pending.substr(0, eol);
            pending.erase(0, eol + 1);
            if (line.size() < 3 || (line[0] != '+' && line[0] != '-')) continue;
            const bool add = line[0] == '+';
            const std::string value = line.substr(2);
            if (line[1] == 'G') {
                const pid_t pgid = static_cast<pid_t>(std::strtol(value.c_str(), nullptr, 10));
                if (pgid <= 1) continue;
                if (add) groups.insert(pgid);
                else groups.erase(pgid);
            } else if (line[1] == 'C') {
                if (add) cgroups.insert(value);
                else cgroups.erase(value);
            }
        }
    }
    for (pid_t pgid : groups) ::kill(-pgid, SIGKILL);
    for (const auto& dir : cgroups) empty_cgroup(dir);
    // And gaia's own cgroup directories (gaia-PID), now that their leaves are gone.
    std::set<std::string> parents;
    for (const auto& dir : cgroups) parents.insert(dir.substr(0, dir.rfind('/')));
    for (const auto& dir : parents) ::rmdir(dir.c_str());
    return 0;
}

}  // namespace gaia::jobs::process
