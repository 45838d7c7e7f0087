#include "core/serve/run_history.hpp"

#include "core/loop/work.hpp"

#include <spdlog/spdlog.h>

namespace gaia::serve {

RunHistory::RunHistory(loop::Loop& loop, metrics::Registry& registry, std::shared_ptr<StateStore> store)
    : loop_(loop),
      store_(std::move(store)),
      restored_(store_->restore()),
      writes_(registry.counter("gaia_state_writes_total", "Writes of the state database (gaia serve --state) by result.",
                               {"result"})),
      waiting_(registry.gauge("gaia_state_runs_waiting", "Ended runs not yet in the state database.")),
      dropped_total_(registry.counter("gaia_state_runs_dropped_total",
                                      "Ended runs never written: the state database failed while more waited.")),
      write_seconds_(registry.histogram("gaia_state_write_seconds", "How long one write of the state database took.")) {
    for (std::size_t i = 0; i < StateStore::kReaders; ++i) free_readers_.push_back(i);
    writes_.with({"success"});
    writes_.with({"failure"});
    waiting_.with({}).set(0);
    dropped_total_.with({});
}

RunHistory::~RunHistory() = default;

void RunHistory::record(StoredRun run) {
    waiting_runs_.push_back(std::move(run));
    if (waiting_runs_.size() > kMaxWaitingRuns) {
        // Only while the database fails: memory is bounded, the oldest go first.
        spdlog::error("state database {}: dropping run {} of job `{}`: {} runs wait to be written already", path(),
                      waiting_runs_.front().id, waiting_runs_.front().job, kMaxWaitingRuns);
        waiting_runs_.pop_front();
        ++dropped_;
        dropped_total_.with({}).inc();
    }
    waiting_.with({}).set(static_cast<double>(waiting_runs_.size()));
    write_next();
}

void RunHistory::save_job(StoredJob job) {
    auto name = job.name;
    waiting_jobs_[std::move(name)] = std::move(job);
    write_next();
}

void RunHistory::write_next() {
    if (writing_ || (retry_ && retry_->active())) return;
    if (waiting_runs_.empty() && waiting_jobs_.empty()) {
        if (flushed_) loop_.post(std::exchange(flushed_, nullptr));
        return;
    }
    writing_ = true;
    auto runs = std::make_shared<std::vector<StoredRun>>(std::make_move_iterator(waiting_runs_.begin()),
                                                         std::make_move_iterator(waiting_runs_.end()));
    auto jobs = std::make_shared<std::vector<StoredJob>>();
    for (auto& [name, job] : waiting_jobs_) jobs->push_back(std::move(job));
    waiting_runs_.clear();
    waiting_jobs_.clear();
    auto error = std::make_shared<std::string>();
    auto seconds = std::make_shared<double>(0);
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    loop::queue_work(
        loop_,
        [store = store_, runs, jobs, error, seconds, retention = retention_, now] {
            const auto started = std::chrono::steady_clock::now();
            try {
                store->write(*runs, *jobs, retention, now);
            } catch (const std::exception& e) {
                *error = e.what();
            }
            *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        },
        [this, runs, jobs, error, seconds](bool cancelled) {
            if (cancelled && error->empty()) *error = "the write was cancelled";
            on_written(std::move(*runs), std::move(*jobs), std::move(*error), *seconds);
        });
}

void RunHistory::on_written(std::vector<StoredRun> runs, std::vector<StoredJob> jobs, std::string error, double seconds) {
    writing_ = false;
    write_seconds_.with({}).observe(seconds);
    if (error.empty()) {
        writes_.with({"success"}).inc();
        if (!last_error_.empty()) spdlog::info("state database {}: written again", path());
        last_error_.clear();
        waiting_.with({}).set(static_cast<double>(waiting_runs_.size()));
        write_next();
        return;
    }
    writes_.with({"failure"}).inc();
    if (error != last_error_) {
        spdlog::error("state database {}: cannot write {} run(s): {} (kept in memory; trying again every {} s)", path(),
                      runs.size(), error, kRetryEvery.count());
    }
    last_error_ = error;
    // Back in front of what came meanwhile, in their order; a job state saved meanwhile is newer.
    waiting_runs_.insert(waiting_runs_.begin(), std::make_move_iterator(runs.begin()), std::make_move_iterator(runs.end()));
    while (waiting_runs_.size() > kMaxWaitingRuns) {
        waiting_runs_.pop_front();
        ++dropped_;
        dropped_total_.with({}).inc();
    }
    for (auto& job : jobs) waiting_jobs_.try_emplace(job.name, std::move(job));
    waiting_.with({}).set(static_cast<double>(waiting_runs_.size()));
    if (flushed_ && flush_tried_) {
        spdlog::error("state database {}: {} run(s) could not be written before stopping", path(), waiting_runs_.size());
        loop_.post(std::exchange(flushed_, nullptr));
        return;
    }
    if (flushed_) flush_tried_ = true;
    if (!retry_) retry_ = loop::Timer::create(loop_);
    retry_->start(flushed_ ? std::chrono::milliseconds(0) : std::chrono::milliseconds(kRetryEvery), [this] { write_next(); });
}

void RunHistory::read(Read read, ReadDone done) {
    reads_.emplace_back(std::move(read), std::move(done));
    read_next();
}

void RunHistory::read_next() {
    while (!reads_.empty() && !free_readers_.empty()) {
        const auto reader = free_readers_.back();
        free_readers_.pop_back();
        auto [read, done] = std::move(reads_.front());
        reads_.pop_front();
        auto answer = std::make_shared<std::string>();
        auto error = std::make_shared<std::string>();
        loop::queue_work(
            loop_,
            [store = store_, read = std::move(read), reader, answer, error] {
                try {
                    *answer = read(*store, reader);
                } catch (const std::exception& e) {
                    *error = e.what();
                }
            },
            [this, reader, answer, error, done = std::move(done)](bool cancelled) {
                free_readers_.push_back(reader);
                if (cancelled && error->empty()) *error = "the read was cancelled";
                done(std::move(*answer), std::move(*error));
                read_next();
            });
    }
}

nlohmann::json RunHistory::status() const {
    return {
        {"status", last_error_.empty() ? "healthy" : "degraded"},
        {"path", path()},
        {"runs_waiting", waiting_runs_.size()},
        {"runs_dropped", dropped_},
        {"error", last_error_.empty() ? nlohmann::json(nullptr) : nlohmann::json(last_error_)},
    };
}

void RunHistory::flush(std::function<void()> done) {
    flushed_ = std::move(done);
    flush_tried_ = false;
    if (retry_) retry_->stop();
    write_next();
}

}  // namespace gaia::serve
