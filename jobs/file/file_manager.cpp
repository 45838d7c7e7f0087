#include "jobs/file/file_manager.hpp"

#include "core/loop/work.hpp"
#include "core/run/results.hpp"
#include "jobs/file/file_task.hpp"
#include "jobs/file/glob.hpp"

namespace gaia::jobs::file {

FileManager::FileManager(run::RunEnv& env, const FileConfig& config)
    : env_(env),
      config_(config),
      operations_(env.metrics.counter("gaia_file_operations_total", "File operations, by op and result.",
                                      {"op", "status"})),
      duration_(env.metrics.histogram("gaia_file_operation_duration_seconds", "How long file operations took.", {"op"})),
      bytes_read_(env.metrics.counter("gaia_file_bytes_total", "Bytes read and written by file operations.", {"direction"})
                      .with({"read"})),
      bytes_written_(env.metrics.counter("gaia_file_bytes_total", "Bytes read and written by file operations.",
                                         {"direction"})
                         .with({"written"})),
      in_flight_(env.metrics.gauge("gaia_file_operations_in_flight", "File operations running now.").with({})),
      pool_(env.loop, config.concurrency) {}

std::unique_ptr<run::Task> FileManager::make_task(const jobfile::Job& job) {
    return std::make_unique<FileTask>(*this, dynamic_cast<const FileJobConfig&>(*job.config));
}

void FileManager::expand(const jobfile::Job& job, const jobfile::RenderScope& scope,
                         std::function<void(run::Expansion)> done) {
    const auto& config = dynamic_cast<const FileJobConfig&>(*job.config);
    const auto& pattern_template = config.op == Op::copy || config.op == Op::move ? config.from : config.path;
    std::string pattern;
    try {
        pattern = pattern_template.render(scope);
    } catch (const jobfile::RenderError& e) {
        env_.loop.post([done = std::move(done), error = std::string(e.what())] { done({{}, error}); });
        return;
    }
    auto found = std::make_shared<GlobResult>();
    loop::queue_work(
        env_.loop, [found, pattern, follow = config.follow_symlinks] { *found = expand_glob(pattern, follow); },
        [found, pattern, allow_empty = config.allow_empty, done = std::move(done)](bool cancelled) {
            run::Expansion expansion;
            if (cancelled) {
                expansion.error = "the search for " + pattern + " was cancelled";
            } else if (!found->error.empty()) {
                expansion.error = found->error;
            } else if (found->paths.empty() && !allow_empty) {
                expansion.error = "no file matches " + pattern + " (set allow_empty = true if that is fine)";
            } else {
                expansion.items.reserve(found->paths.size());
                for (auto& path : found->paths) expansion.items.emplace_back(std::move(path));
            }
            done(std::move(expansion));
        });
}

void FileManager::on_started() { in_flight_.inc(); }

void FileManager::on_finished(Op op, const char* status, double seconds, std::uint64_t bytes_read,
                              std::uint64_t bytes_written) {
    const std::string name(op_name(op));
    in_flight_.dec();
    operations_.with({name, status}).inc();
    bytes_read_.inc(static_cast<double>(bytes_read));
    bytes_written_.inc(static_cast<double>(bytes_written));
    if (std::string_view(status) == "cancelled") return;
    duration_.with({name}).observe(seconds);
    auto& stats = stats_[name];
    stats.seconds.push_back(static_cast<float>(seconds));
    if (std::string_view(status) == "failed") ++stats.failed;
}

nlohmann::json FileManager::report() const {
    if (stats_.empty()) return nullptr;
    auto operations = nlohmann::json::object();
    for (const auto& [name, stats] : stats_) {
        const auto latency = run::summarize(stats.seconds);
        operations[name] = {{"count", stats.seconds.size()},
                            {"failed", stats.failed},
                            {"latency_s", {{"p50", latency.p50}, {"p95", latency.p95}, {"p99", latency.p99}, {"max", latency.max}}}};
    }
    return {{"operations", operations}};
}

}  // namespace gaia::jobs::file
