#pragma once
// Control groups for process jobs: exact memory accounting with a real OOM kill, and a
// bound on the number of processes that holds even for root (RLIMIT_NPROC does not).
// cgroup v1 (memory and pids hierarchies) and v2 (a delegated subtree with the memory
// and pids controllers) are both used when gaia can write them; otherwise the process
// manager falls back to setrlimit and says so.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace gaia::jobs::process {

class Cgroups {
public:
    // Looks at /proc/self/mountinfo and /proc/self/cgroup, and creates gaia's own
    // directory (gaia-PID) where it can.
    static Cgroups detect();
    ~Cgroups();
    Cgroups(Cgroups&&) noexcept;
    Cgroups& operator=(Cgroups&&) = delete;
    Cgroups(const Cgroups&) = delete;

    bool memory() const noexcept { return !memory_base_.empty(); }
    bool pids() const noexcept { return !pids_base_.empty(); }
    std::string describe_memory() const;
    std::string describe_pids() const;

    // One leaf per process: a directory in each hierarchy used (one directory for v2).
    struct Leaf {
        std::string memory_dir;
        std::string pids_dir;
        std::vector<std::string> procs_files() const;
        std::string key() const { return memory_dir + "|" + pids_dir; }
    };
    std::optional<Leaf> create(const std::string& name, std::optional<std::uint64_t> memory,
                               std::optional<std::uint64_t> processes, std::string* error);
    std::uint64_t peak_memory(const Leaf& leaf) const;
    bool oom_killed(const Leaf& leaf) const;
    // Kills what is left in the leaf and removes it.
    void remove(const Leaf& leaf) const;
    // The processes in the leaf now: every process of the job, however it left its
    // process group.
    std::vector<pid_t> members(const Leaf& leaf) const;

    // Tracking without limits: a pids leaf (cgroup v1) with no pids.max, which a job's
    // first process is born into (spawn_inside). No extra exec, unlike the launcher's join.
    bool can_track() const noexcept {
        return version_ == 1 && !pids_base_.empty() && home_tasks_ >= 0 && !stranded_;
    }
    std::optional<Leaf> create_tracking(const std::string& name, std::string* error);
    // Runs `spawn` with the calling thread moved into the leaf (v1 moves single threads
    // through `tasks`), so that the child starts there, and moves the thread back. False
    // in *inside when the move failed and the child was started outside the leaf. Runs on
    // a pool thread, which must not log: a thread that could not be moved back is told in
    // *stranded, for the loop thread to report (tracking stops from then on).
    pid_t spawn_inside(const Leaf& leaf, const std::function<pid_t()>& spawn, bool* inside,
                       std::string* stranded) const;

private:
    Cgroups() = default;

    int version_ = 0;  // 1 or 2
    std::string memory_base_, pids_base_;  // gaia-PID directories
    std::string pids_home_;                // the pids cgroup gaia's threads are in (v1)
    int home_tasks_ = -1;                  // its `tasks`, open for writing
    // A thread could not be moved back: track no more. Set on a pool thread (spawn_inside).
    mutable std::atomic<bool> stranded_{false};
    std::uint64_t counter_ = 0;
};

}  // namespace gaia::jobs::process
