#pragma once
// The loop's side of the state database: runs and job states are handed over here and
// written by one writer on libuv's thread pool, batched (what arrives while a write is going
// is written by the next), so the loop never waits on the disk. Reads for the API go to the
// pool too and answer on the loop.
//
// A write that fails (a full disk, a file made read-only) loses nothing: the transaction
// rolls back, the batch waits in memory (up to kMaxWaitingRuns runs; older ones are dropped
// and counted) and is tried again; /health says so meanwhile.

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/metrics/registry.hpp"
#include "core/serve/state_store.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gaia::serve {

class RunHistory {
public:
    static constexpr std::size_t kMaxWaitingRuns = 1000;
    static constexpr std::chrono::seconds kRetryEvery{5};

    // `store` is open; what it held is read now (before the loop runs: this blocks).
    RunHistory(loop::Loop& loop, metrics::Registry& registry, std::shared_ptr<StateStore> store);
    ~RunHistory();
    RunHistory(const RunHistory&) = delete;
    RunHistory& operator=(const RunHistory&) = delete;

    const StateStore::Restored& restored() const noexcept { return restored_; }
    const std::string& path() const noexcept { return store_->path(); }
    void set_retention(Retention retention) noexcept { retention_ = retention; }

    void record(StoredRun run);
    void save_job(StoredJob job);

    // Runs `read` on a pool thread with the store and a reader of its own; `done` gets its
    // answer, or the error that stopped it, on the loop thread. At most StateStore::kReaders
    // reads go at once, the others wait here in order: no pool thread waits for a reader.
    using Read = std::function<std::string(StateStore&, std::size_t reader)>;
    using ReadDone = std::function<void(std::string answer, std::string error)>;
    void read(Read read, ReadDone done);

    // For /health: whether what ended is being written. {status, path, runs_waiting,
    // runs_dropped, error}; "degraded" while writes fail.
    nlohmann::json status() const;
    bool failing() const noexcept { return !last_error_.empty(); }

    // Shutting down: writes what waits (once more if a write fails), then calls `done`.
    void flush(std::function<void()> done);

private:
    void write_next();
    void read_next();
    void on_written(std::vector<StoredRun> runs, std::vector<StoredJob> jobs, std::string error, double seconds);

    loop::Loop& loop_;
    std::shared_ptr<StateStore> store_;
    StateStore::Restored restored_;
    Retention retention_;
    std::deque<StoredRun> waiting_runs_;
    std::map<std::string, StoredJob> waiting_jobs_;  // by name: the latest state wins
    bool writing_ = false;
    std::string last_error_;
    std::uint64_t dropped_ = 0;
    loop::HandlePtr<loop::Timer> retry_;
    std::function<void()> flushed_;
    bool flush_tried_ = false;  // while flushing, a failed write is not retried forever
    std::deque<std::pair<Read, ReadDone>> reads_;                  // waiting for a reader
    std::vector<std::size_t> free_readers_;                         // readers no read uses

    metrics::Family<metrics::Counter>& writes_;
    metrics::Family<metrics::Gauge>& waiting_;
    metrics::Family<metrics::Counter>& dropped_total_;
    metrics::Family<metrics::Histogram>& write_seconds_;
};

}  // namespace gaia::serve
