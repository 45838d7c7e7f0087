#pragma once
// The process manager subsystem for one run: the [process] limits, resource limits and
// cgroups, the set of live process groups (so that nothing outlives gaia) and the
// gaia_process_* metrics.

#include "core/loop/lifetime.hpp"
#include "core/loop/spawn.hpp"
#include "core/run/task.hpp"
#include "jobs/process/cgroups.hpp"
#include "jobs/process/guard.hpp"
#include "jobs/process/process_config.hpp"

#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <utility>

namespace gaia::jobs::process {

class ProcessManager final : public run::KindRuntime {
public:
    ProcessManager(run::RunEnv& env, const ProcessSubsystemConfig& config);
    ~ProcessManager() override;

    std::unique_ptr<run::Task> make_task(const jobfile::Job& job) override;
    void prepare(const jobfile::JobSet& set) override;
    std::uint32_t capacity() const override { return config_.max; }
    // A start makes its pipes and hands the spawn to the thread pool (a process costs the
    // loop thread about 80 µs from start to completion): more per turn than the default,
    // fewer than a file op, whose start only queues.
    unsigned starts_per_turn() const override { return 32; }
    void kill_now() noexcept override;

    run::RunEnv& env() noexcept { return env_; }
    const ProcessSubsystemConfig& config() const noexcept { return config_; }

    // Rewrites the request to run through the launcher when the job has limits, and
    // creates its cgroup (returned in *cgroup). False, with the reason, when a limit
    // cannot be applied: never ignored silently.
    bool apply_limits(const jobfile::Job& job, const ProcessJobConfig& config, const run::TaskContext& ctx,
                      loop::SpawnRequest& request, std::string& cgroup, std::string* error);
    // Which limit killed the process, if one did: {"memory", "memory limit (512MiB)"}.
    std::optional<std::pair<std::string, std::string>> limit_verdict(const ProcessJobConfig& config, int term_signal,
                                                                     std::int64_t exit_status, double cpu_s,
                                                                     const std::string& cgroup) const;
    std::uint64_t cgroup_peak_memory(const std::string& cgroup) const;
    // The job is done with its cgroup; `empty` when it is known to hold no process (the
    // task saw its job gone), which spares reading it.
    void release_cgroup(const std::string& cgroup, bool empty = false);

    // Starts the job's process on the thread pool; `done` gets its pid (or -errno) and the
    // cgroup that tracks it, on a later loop turn. A job without a cgroup of its own for
    // limits (`cgroup` empty) gets one for tracking where the machine allows (cgroup v1
    // pids, writable): its processes are then all known, however they leave the process
    // group. Off the loop because posix_spawn returns only once the child has called
    // exec: 0.2 ms on a quiet machine, 3.5 ms while two CPU hogs held both cores (the
    // child waits for a CPU), and the loop thread waited with it, 3,000 times in a row.
    // The pipes marked in `pipes` (stdin, stdout, stderr) are made on the pool too, just
    // before the spawn (loop::spawn_piped): done gets gaia's ends.
    struct Spawn {
        pid_t pid = 0;  // or -errno
        std::string cgroup;
        std::array<int, 3> ends{-1, -1, -1};
        int failed_pipe = -1;  // the descriptor whose pipe could not be made
    };
    using Spawned = std::function<void(Spawn)>;
    void spawn(const jobfile::Job& job, const run::TaskContext& ctx, loop::SpawnRequest request,
               std::array<bool, 3> pipes, std::string cgroup, Spawned done);
    // Sends `signum` to all of a job: its process group and, with a cgroup, every process
    // in it; without one, the leader's descendants while it lives (found in /proc).
    void signal_job(pid_t pgid, const std::string& cgroup, int signum);
    // Without a cgroup, a child that left the group and outlived its parent is gaia's (the
    // subreaper's) and tied to its job only by the output pipes it kept: `signum` to those
    // holders and their descendants.
    void signal_pipe_holders(const std::string& cgroup, const std::vector<ino_t>& pipes, int signum);
    // True once nothing of the job runs: its group is empty and so is its cgroup.
    bool job_gone(pid_t pgid, const std::string& cgroup) const;

    void retire(loop::Loop& loop, std::unique_ptr<run::Task> task) override;
    void release(const jobfile::Job& job) override;
    void on_service_gone(run::Task* task);
    void service_lost(const jobfile::Job& job, const std::string& reason);

    // loop::find_program, remembered for the run like a shell's hash table: a fan-out of
    // `sleep` would otherwise probe every PATH entry for every instance.
    std::optional<std::string> find_program(const std::string& name, const std::string& path, int* error);

    void on_spawned(int pid);
    void announce_limits();
    void on_exited(const jobfile::Job& job, std::string_view status, double seconds, double cpu_s);
    // A limit (limit_verdict's first: memory, cpu_time, file_size) killed a process of the job.
    void on_killed_by_limit(const jobfile::Job& job, const std::string& limit);
    void on_group_gone(int pgid);

private:
    run::RunEnv& env_;
    ProcessSubsystemConfig config_;
    std::set<int> groups_;  // process groups that may still have members
    std::set<int> running_; // leaders not yet exited, for the memory gauge
    Cgroups& cgroups();
    void remember_leaf(const std::string& key, const Cgroups::Leaf& leaf);
    Guard* guard();
    std::unique_ptr<Guard> guard_;  // started with the first process
    bool guard_tried_ = false;
    std::optional<Cgroups> cgroups_;  // detected on first use
    bool announced_ = false;          // the limits' mechanisms were logged
    std::map<std::string, Cgroups::Leaf> leaves_;
    // Tracking leaves (pids only) whose job is done and which are empty: the next spawn
    // takes one instead of a mkdir, and its release puts it back instead of an rmdir — a
    // fifth of gaia's own kernel time in a fan-out of short processes went to the two.
    std::vector<Cgroups::Leaf> spare_leaves_;
    static constexpr std::size_t kMaxSpareLeaves = 256;
    std::set<std::string> tracking_;  // keys of the leaves made for tracking
    std::map<std::string, std::vector<std::unique_ptr<run::Task>>> services_;  // by job name
    std::string gaia_exe_;
    std::map<std::pair<std::string, std::string>, std::string> programs_;  // (name, PATH) -> path
    metrics::Gauge& active_;
    metrics::Family<metrics::Counter>& exits_;
    metrics::Family<metrics::Counter>& limit_kills_;
    metrics::Histogram& duration_;
    metrics::Counter& cpu_;
    metrics::Gauge& memory_;
    loop::Lifetime life_;  // the registry's collector outlives a manager of a reloaded job set
};

}  // namespace gaia::jobs::process
