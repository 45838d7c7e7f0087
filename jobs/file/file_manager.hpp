#pragma once
// The file manager for one run: the [file] limits (operations in flight; libuv's pool is
// sized to match before the run), glob expansion, the gaia_file_* metrics and the
// per-op latency summary of the report.

#include "core/loop/work_pool.hpp"
#include "core/run/task.hpp"
#include "jobs/file/file_config.hpp"

#include <map>
#include <string>
#include <vector>

namespace gaia::jobs::file {

class FileManager final : public run::KindRuntime {
public:
    FileManager(run::RunEnv& env, const FileConfig& config);

    std::unique_ptr<run::Task> make_task(const jobfile::Job& job) override;
    std::uint32_t capacity() const override { return config_.concurrency; }
    // A start renders a few templates and queues the op: cheap enough to start many.
    unsigned starts_per_turn() const override { return 256; }
    void expand(const jobfile::Job& job, const jobfile::RenderScope& scope,
                std::function<void(run::Expansion)> done) override;
    nlohmann::json report() const override;
    void close() override { pool_.close(); }

    run::RunEnv& env() noexcept { return env_; }
    const FileConfig& config() const noexcept { return config_; }
    loop::WorkPool& pool() noexcept { return pool_; }

    void on_started();
    void on_finished(Op op, const char* status, double seconds, std::uint64_t bytes_read, std::uint64_t bytes_written);

private:
    run::RunEnv& env_;
    FileConfig config_;
    metrics::Family<metrics::Counter>& operations_;
    metrics::Family<metrics::Histogram>& duration_;
    metrics::Counter& bytes_read_;
    metrics::Counter& bytes_written_;
    metrics::Gauge& in_flight_;
    struct OpStats {
        std::uint64_t failed = 0;
        std::vector<float> seconds;
    };
    std::map<std::string, OpStats> stats_;  // by op name, for the report
    loop::WorkPool pool_;
};

}  // namespace gaia::jobs::file
