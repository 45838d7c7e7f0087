#pragma once
// One attempt of one process job instance: spawn in its own process group (with its
// resource limits), stream its output, stop the whole group on cancel (kill_signal,
// kill_grace, SIGKILL), then check the expectations, take the captures and account for
// what it used.

#include "core/loop/pipe.hpp"
#include "core/loop/timer.hpp"
#include "core/run/task.hpp"
#include "jobs/process/output_tail.hpp"
#include "jobs/process/process_config.hpp"
#include "jobs/process/process_manager.hpp"
#include "jobs/process/readiness_probe.hpp"

#include <sys/resource.h>

#include <array>
#include <optional>

namespace gaia::jobs::process {

class ProcessTask final : public run::Task {
public:
    ProcessTask(ProcessManager& manager, const jobfile::Job& job, const ProcessJobConfig& config);
    ~ProcessTask() override;

    void start(const run::TaskContext& ctx, run::Completion done) override;
    void cancel() override;

    // A service (background = true) completes its attempt when it is ready and keeps
    // running; these manage the rest of its life.
    bool service_running() const noexcept { return ready_ && !gone_notified_; }
    const jobfile::Job& job() const noexcept { return job_; }
    void stop_service();

private:
    struct Stream {
        StreamSpec spec;
        loop::HandlePtr<loop::Pipe> pipe;
        OutputTail tail;
        std::optional<LineSplitter> lines;
        int child_fd = -1;  // the child's end, closed once it is spawned
    };

    void fail_soon(std::string error, bool retryable);
    void on_spawned(const ProcessManager::Spawn& spawn, std::string stdin_text);
    void stop_group();  // kill_signal, then SIGKILL after kill_grace
    void watch_readiness();
    void probe_once();
    void become_ready();
    void check_ready_line(std::string_view line);
    bool prepare_stream(Stream& s, const char* name, const run::TaskContext& ctx);
    bool open_parent_end(Stream& s, int parent_fd);
    void close_child_ends();
    void start_reading(Stream& s, bool is_stderr);
    void on_exit(int wait_status, const rusage& usage);
    void wait_for_group();
    void maybe_complete();
    // How the process ended, as outcome() reads it.
    struct Exit {
        int term_signal = 0;
        std::int64_t status = 0;
        std::uint64_t peak_rss = 0;
        std::optional<std::pair<std::string, std::string>> killed_by;  // {limit, "memory limit (512MiB)"}
    };
    run::TaskOutcome outcome();
    struct Command {
        std::vector<std::string> argv, env;
        std::string cwd, stdin_text;
    };
    Command render_command(const run::TaskContext& ctx) const;
    void add_captures(run::TaskOutcome& o, const Exit& exit, const std::string& out_text) const;
    void check_expectations(run::TaskOutcome& o, const Exit& exit, const std::string& out_text) const;
    // `signum` to all of the job: its group, and what left it (see ProcessManager::signal_job).
    void signal_group(int signum);

    ProcessManager& manager_;
    const jobfile::Job& job_;
    const ProcessJobConfig& config_;
    const run::TaskContext* ctx_ = nullptr;
    run::Completion done_;
    loop::HandlePtr<loop::Pipe> stdin_;
    std::array<bool, 3> pipes_{};  // stdin, stdout, stderr: a pipe made with the spawn
    std::string watch_error_;       // gaia could not watch a pipe it made: the attempt fails
    loop::HandlePtr<loop::Timer> timer_;  // kill grace, then polling for an empty group
    Stream out_, err_;
    std::string program_;
    std::string prefix_;
    std::string cgroup_;  // the job's own cgroup: for its limits, or to track its processes
    std::vector<ino_t> pipe_inodes_;  // of its stdout and stderr pipes, to find who holds them
    pid_t pid_ = 0;
    int open_streams_ = 0;
    bool exited_ = false;
    bool group_gone_ = false;
    bool job_emptied_ = false;  // a look after the exit found its group and cgroup empty
    int group_polls_ = 0;
    bool cancelled_ = false;
    std::uint64_t spawn_mark_ = 0;  // from the child watcher's begin_spawn()
    std::shared_ptr<const char> alive_ = std::make_shared<const char>(0);  // expires with the task
    bool completed_ = false;
    int wait_status_ = 0;
    rusage usage_{};
    std::uint64_t started_ns_ = 0;
    double seconds_ = 0;

    // Services.
    bool ready_ = false;
    bool stopping_ = false;        // stop_service() was called
    bool gone_notified_ = false;
    std::string not_ready_;        // why it never became ready
    loop::HandlePtr<loop::Timer> ready_deadline_, probe_timer_;
    std::unique_ptr<ReadinessProbe> probe_;  // the attempt in flight, if any
    std::optional<ProbeTarget> probe_target_;
    std::optional<LineSplitter> ready_out_, ready_err_;
};

}  // namespace gaia::jobs::process
