#pragma once
// The guard: a small process (gaia re-executed as `gaia __gaia_guard`) that outlives a
// killed gaia just long enough to stop what gaia started.
//
// Why: gaia stops every process of its jobs when it ends — unless it is killed with
// SIGKILL (or crashes), when no code of it runs. PR_SET_PDEATHSIG would reach only each
// job's first process, not what that process started. So gaia tells the guard, over a
// pipe, which process groups and cgroups hold its jobs' processes; the guard reads until
// the pipe's end, which the kernel delivers however gaia dies, and then kills what is
// still listed. When gaia ends normally, nothing is listed any more and the guard just
// exits.

#include <sys/types.h>

#include <memory>
#include <string>

namespace gaia::jobs::process {

inline constexpr const char* kGuardCommand = "__gaia_guard";

class Guard {
public:
    // Starts `gaia_exe __gaia_guard`; null (and *error) when it cannot.
    static std::unique_ptr<Guard> start(const std::string& gaia_exe, std::string* error);
    ~Guard();  // closes the pipe: the guard kills what is still listed, then exits
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

    void watch_group(pid_t pgid) { send('G', std::to_string(pgid), true); }
    void forget_group(pid_t pgid) { send('G', std::to_string(pgid), false); }
    void watch_cgroup(const std::string& dir) { send('C', dir, true); }
    void forget_cgroup(const std::string& dir) { send('C', dir, false); }

private:
    explicit Guard(int fd) : fd_(fd) {}
    void send(char what, const std::string& value, bool add);
    int fd_;
    bool warned_ = false;
};

// main() of the guard.
int guard_main(int argc, char** argv);

}  // namespace gaia::jobs::process
