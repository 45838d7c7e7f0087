#pragma once
// One attempt of a file job: its templates rendered on the loop thread, the operation
// run on libuv's thread pool (through the file manager's WorkPool), the outcome back on
// the loop. A cancel (timeout, stop) sets
// the operation's flag, which the copy, hash and read loops check between chunks; what is
// half-done is removed before the outcome comes back.

#include "core/loop/work_pool.hpp"
#include "core/run/task.hpp"
#include "jobs/file/file_config.hpp"
#include "jobs/file/operation.hpp"

#include <memory>

namespace gaia::jobs::file {

class FileManager;

class FileTask final : public run::Task {
public:
    FileTask(FileManager& manager, const FileJobConfig& config) : manager_(manager), config_(config) {}

    void start(const run::TaskContext& ctx, run::Completion done) override;
    void cancel() override;

private:
    void finish(run::TaskOutcome outcome);
    void fail_later(std::string error);

    FileManager& manager_;
    const FileJobConfig& config_;
    // Shared with the pool thread: alive until the work is over, whatever this task does.
    std::shared_ptr<Operation> op_;
    std::shared_ptr<OperationResult> result_;
    loop::WorkPool::JobPtr work_;
    run::Completion done_;
    std::uint64_t started_ns_ = 0;
    bool running_ = false;
};

}  // namespace gaia::jobs::file
