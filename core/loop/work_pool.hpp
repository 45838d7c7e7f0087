#pragma once
// Many small blocking jobs on libuv's thread pool with few hand-offs. One uv_queue_work
// per job wakes a pool thread per job: with the pool sized for hundreds of blocking file
// operations, ten thousand 4 KiB copies spent more time switching between threads than
// copying. Here a pool job (a "drainer") takes queued jobs one after another until none
// is left, and results come back through one uv_async_t, in batches while more jobs wait.
//
// How many drainers: about one per CPU while jobs finish quickly; when jobs block (a FIFO,
// a slow disk: running for more than kStuckAfter), more are added so that waiting jobs
// still start — all that are waiting at once, up to `max_threads`, when every drainer is
// stuck. A timer re-checks, and collects results, every kCheckEvery while jobs are
// outstanding.

#include "core/loop/async.hpp"
#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace gaia::loop {

class WorkPool {
public:
    struct Job;
    using JobPtr = std::shared_ptr<Job>;

    static constexpr std::chrono::milliseconds kStuckAfter{10};
    static constexpr std::chrono::milliseconds kCheckEvery{5};
    static constexpr std::size_t kReportBatch = 16;

    WorkPool(Loop& loop, unsigned max_threads);
    ~WorkPool();
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    // Runs `work` on a pool thread, then `done(true)` on the loop thread; `done(false)`
    // when the job was cancelled before a thread took it. Always on a later loop turn.
    JobPtr submit(std::function<void()> work, std::function<void(bool ran)> done);
    // Withdraws a job no thread has taken yet; one already running is not interrupted.
    void cancel(const JobPtr& job);
    // Every job has completed: release the loop handles.
    void close();

private:
    struct Shared;
    void on_wake();
    void add_drainers();  // with the mutex held
    static void drain(const std::shared_ptr<Shared>& shared);
    void complete(Job& job, bool ran);

    Loop& loop_;
    std::shared_ptr<Shared> shared_;  // also held by running drainers
    HandlePtr<Timer> check_;
    std::size_t outstanding_ = 0;     // submitted, `done` not called yet (loop thread only)
};

}  // namespace gaia::loop
