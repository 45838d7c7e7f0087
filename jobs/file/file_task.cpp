#include "jobs/file/file_task.hpp"

#include "jobs/file/file_manager.hpp"
#include "jobs/file/glob.hpp"

namespace gaia::jobs::file {

void FileTask::start(const run::TaskContext& ctx, run::Completion done) {
    done_ = std::move(done);
    op_ = std::make_shared<Operation>();
    auto& op = *op_;
    op.job = &config_;
    const auto& limits = manager_.config();
    op.buffer = static_cast<std::size_t>(limits.buffer);
    op.max_content = limits.max_content;
    op.max_parse = limits.max_parse;
    try {
        const bool two_paths = config_.op == Op::copy || config_.op == Op::move;
        // A glob's instance works on its match; the pattern still tells where `to/` starts.
        const std::string match = ctx.scope.item && config_.glob ? jobfile::json_to_text(*ctx.scope.item) : "";
        if (two_paths) {
            op.from = config_.glob ? match : config_.from.render(ctx.scope);
            op.to = config_.to.render(ctx.scope);
            if (config_.glob) op.glob_base = glob_base(config_.from.render(ctx.scope));
        } else {
            op.path = config_.glob ? match : config_.path.render(ctx.scope);
        }
        if (config_.op == Op::write) op.content = config_.content.render(ctx.scope);
        for (const auto& t : config_.expect_contains) op.contains.push_back(t.render(ctx.scope));
        if (config_.expect_checksum) op.expected_checksum = config_.expect_checksum->render(ctx.scope);
    } catch (const jobfile::RenderError& e) {
        fail_later(e.what());
        return;
    }
    // An empty path would name the working directory: never what was meant.
    const char* empty = config_.op == Op::copy || config_.op == Op::move
                            ? (op.from.empty() ? "from" : op.to.empty() ? "to" : nullptr)
                            : (op.path.empty() ? "path" : nullptr);
    if (empty) {
        fail_later("`" + std::string(empty) + "` is empty once rendered");
        return;
    }
    running_ = true;
    started_ns_ = loop::Loop::hrtime_ns();
    manager_.on_started();
    result_ = std::make_shared<OperationResult>();
    work_ = manager_.pool().submit(
        [op = op_, result = result_] { *result = run_operation(*op); },
        [this](bool ran) {
            const bool never_ran = !ran;
            run::TaskOutcome outcome;
            auto& result = *result_;
            if (never_ran || (op_->cancel.load() && !result.error.empty())) {
                outcome.status = run::TaskStatus::cancelled;
                outcome.error = "cancelled";
            } else if (result.error.empty()) {
                outcome.status = run::TaskStatus::passed;
            } else {
                outcome.status = run::TaskStatus::failed;
                outcome.error = result.error;
            }
            outcome.bytes = result.bytes_read + result.bytes_written;
            outcome.captures = std::move(result.captures);
            outcome.details = std::move(result.details);
            outcome.details["op"] = op_name(config_.op);
            if (!op_->path.empty()) outcome.details["path"] = op_->path;
            if (!op_->from.empty()) outcome.details["from"] = op_->from;
            finish(std::move(outcome));
        });
}

void FileTask::fail_later(std::string error) {
    // Before any work: another attempt would render the same (never synchronously: the
    // outcome still comes on a later turn).
    run::TaskOutcome outcome;
    outcome.error = std::move(error);
    outcome.retryable = false;
    manager_.env().loop.post([this, outcome = std::move(outcome)]() mutable { done_(std::move(outcome)); });
}

void FileTask::cancel() {
    if (!running_) return;  // not started, or its outcome is already on its way
    op_->cancel.store(true);
    manager_.pool().cancel(work_);
}

void FileTask::finish(run::TaskOutcome outcome) {
    running_ = false;
    const double seconds = static_cast<double>(loop::Loop::hrtime_ns() - started_ns_) / 1e9;
    const char* status = outcome.status == run::TaskStatus::passed   ? "passed"
                         : outcome.status == run::TaskStatus::failed ? "failed"
                                                                     : "cancelled";
    manager_.on_finished(config_.op, status, seconds, result_->bytes_read, result_->bytes_written);
    auto done = std::move(done_);
    done(std::move(outcome));
}

}  // namespace gaia::jobs::file
