#include "core/loop/work_pool.hpp"

#include "core/loop/work.hpp"

#include <algorithm>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace gaia::loop {

struct WorkPool::Job {
    std::function<void()> work;
    std::function<void(bool)> done;
    bool taken = false;             // by a drainer, or withdrawn
    std::uint64_t started_ns = 0;   // when a drainer began it
};

struct WorkPool::Shared {
    std::mutex mutex;                // guards everything below, and Job::taken/started_ns
    std::deque<JobPtr> pending;      // may hold withdrawn jobs, skipped when met
    std::size_t untaken = 0;         // jobs in `pending` still waiting for a drainer
    std::vector<Job*> running;
    std::vector<JobPtr> finished;    // ran; their `done` is due on the loop thread
    unsigned live = 0;               // drainers queued or running
    unsigned max = 1;
    unsigned cpus = 1;
    HandlePtr<Async> wake;           // null once closed: then nothing may send
};

WorkPool::WorkPool(Loop& loop, unsigned max_threads) : loop_(loop), shared_(std::make_shared<Shared>()) {
    shared_->max = std::max(1u, max_threads);
    shared_->cpus = std::max(1u, std::thread::hardware_concurrency());
    shared_->wake = Async::create(loop, [this] { on_wake(); });
    shared_->wake->unref();  // jobs keep the loop running through their drainers and the timer
    check_ = Timer::create(loop);
}

WorkPool::~WorkPool() { close(); }

WorkPool::JobPtr WorkPool::submit(std::function<void()> work, std::function<void(bool)> done) {
    auto job = std::make_shared<Job>();
    job->work = std::move(work);
    job->done = std::move(done);
    if (outstanding_++ == 0 && check_) {
        check_->start_repeating(kCheckEvery, [this] { on_wake(); });
    }
    std::lock_guard lock(shared_->mutex);
    shared_->pending.push_back(job);
    ++shared_->untaken;
    add_drainers();
    return job;
}

void WorkPool::cancel(const JobPtr& job) {
    {
        std::lock_guard lock(shared_->mutex);
        if (job->taken) return;
        job->taken = true;
        --shared_->untaken;
    }
    loop_.post([this, job] { complete(*job, false); });
}

void WorkPool::complete(Job& job, bool ran) {
    auto done = std::move(job.done);
    job.work = nullptr;
    if (--outstanding_ == 0 && check_) check_->stop();
    if (done) done(ran);
}

void WorkPool::close() {
    check_.reset();
    HandlePtr<Async> wake;
    {
        std::lock_guard lock(shared_->mutex);
        wake = std::move(shared_->wake);
    }
    // Dropped here, outside the lock.
}

void WorkPool::add_drainers() {
    auto& s = *shared_;
    if (s.untaken == 0 || s.live >= s.max) return;
    const auto now = Loop::hrtime_ns();
    const auto stuck_ns = static_cast<std::uint64_t>(std::chrono::nanoseconds(kStuckAfter).count());
    const auto stuck = static_cast<unsigned>(std::count_if(s.running.begin(), s.running.end(), [&](const Job* j) {
        return now - j->started_ns > stuck_ns;
    }));
    const unsigned moving = s.live - stuck;  // idle, or on a job that is not blocking
    unsigned add = 0;
    if (moving == 0) {
        add = static_cast<unsigned>(std::min<std::size_t>(s.untaken, s.max - s.live));  // everyone is blocked
    } else if (moving < s.cpus) {
        add = static_cast<unsigned>(std::min<std::size_t>({s.untaken, std::size_t{s.cpus - moving}, std::size_t{s.max - s.live}}));
    }
    for (unsigned i = 0; i < add; ++i) {
        ++s.live;
        queue_work(
            loop_, [shared = shared_] { drain(shared); },
            [shared = shared_](bool never_ran) {
                if (!never_ran) return;
                std::lock_guard lock(shared->mutex);
                --shared->live;
            });
    }
}

void WorkPool::drain(const std::shared_ptr<Shared>& shared) {
    std::unique_lock lock(shared->mutex);
    while (true) {
        while (!shared->pending.empty() && shared->pending.front()->taken) shared->pending.pop_front();
        if (shared->pending.empty()) break;
        auto job = std::move(shared->pending.front());
        shared->pending.pop_front();
        job->taken = true;
        job->started_ns = Loop::hrtime_ns();
        --shared->untaken;
        shared->running.push_back(job.get());
        lock.unlock();
        job->work();
        lock.lock();
        shared->running.erase(std::find(shared->running.begin(), shared->running.end(), job.get()));
        shared->finished.push_back(std::move(job));
        // Waking the loop costs a write and a context switch: quick jobs that follow one
        // another are reported in batches (the check timer collects a batch left behind a
        // job that blocks).
        if (shared->wake && (shared->untaken == 0 || shared->finished.size() >= kReportBatch)) shared->wake->send();
    }
    --shared->live;
}

void WorkPool::on_wake() {
    std::vector<JobPtr> finished;
    {
        std::lock_guard lock(shared_->mutex);
        finished.swap(shared_->finished);
        add_drainers();
    }
    for (auto& job : finished) complete(*job, true);
}

}  // namespace gaia::loop
