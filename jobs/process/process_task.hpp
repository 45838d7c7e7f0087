#pragma once
// One attempt of one process job instance: spawn in its own process group, stream its
// output, stop the whole group on cancel (kill_signal, kill_grace, SIGKILL), then check
// the expectations and take the captures.

#include "core/loop/pipe.hpp"
#include "core/loop/process.hpp"
#include "core/loop/timer.hpp"
#include "core/run/task.hpp"
#include "jobs/process/output_tail.hpp"
#include "jobs/process/process_config.hpp"

#include <optional>

namespace gaia::jobs::process {

class ProcessManager;

class ProcessTask final : public run::Task {
public:
    ProcessTask(ProcessManager& manager, const jobfile::Job& job, const ProcessJobConfig& config);
    ~ProcessTask() override;

    void start(const run::TaskContext& ctx, run::Completion done) override;
    void cancel() override;

private:
    struct Stream {
        StreamSpec spec;
        loop::HandlePtr<loop::Pipe> pipe;
        OutputTail tail;
        std::optional<LineSplitter> lines;
        int file_fd = -1;
    };

    void fail_soon(std::string error, bool retryable);
    bool prepare_stream(Stream& s, int fd, uv_stdio_container_t& container, const run::TaskContext& ctx);
    void start_reading(Stream& s, bool is_stderr);
    void on_exit(std::int64_t exit_status, int term_signal);
    void wait_for_group();
    void maybe_complete();
    run::TaskOutcome outcome();
    void signal_group(int signum) noexcept;

    ProcessManager& manager_;
    const jobfile::Job& job_;
    const ProcessJobConfig& config_;
    const run::TaskContext* ctx_ = nullptr;
    run::Completion done_;
    loop::HandlePtr<loop::Process> process_;
    loop::HandlePtr<loop::Pipe> stdin_;
    loop::HandlePtr<loop::Timer> kill_timer_;
    Stream out_, err_;
    std::string program_;
    std::string prefix_;
    int pgid_ = 0;
    int open_streams_ = 0;
    bool exited_ = false;
    bool group_gone_ = false;
    int group_polls_ = 0;
    bool cancelled_ = false;
    bool completed_ = false;
    std::int64_t exit_status_ = 0;
    int term_signal_ = 0;
    std::uint64_t started_ns_ = 0;
    double seconds_ = 0;
};

}  // namespace gaia::jobs::process
