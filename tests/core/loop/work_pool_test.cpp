// WorkPool: every job runs once and reports once on the loop thread; jobs that block get
// threads of their own up to the cap; a job no thread has taken can be withdrawn.

#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"
#include "core/loop/work_pool.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::loop;

TEST_CASE("work pool runs every job once and reports it once, on the loop thread") {
    Loop loop;
    std::atomic<int> ran{0};
    int reported = 0;
    const auto loop_thread = std::this_thread::get_id();
    {
        WorkPool pool(loop, 64);
        for (int i = 0; i < 2000; ++i) {
            pool.submit([&] { ran.fetch_add(1); },
                        [&](bool did_run) {
                            CHECK(did_run);
                            CHECK(std::this_thread::get_id() == loop_thread);
                            ++reported;
                        });
        }
        CHECK(reported == 0);  // never from inside submit()
        loop.run();
        pool.close();
    }
    CHECK(ran.load() == 2000);
    CHECK(reported == 2000);
    CHECK(loop.close() == 0);
}

TEST_CASE("work pool gives blocked jobs threads of their own, up to its cap, and withdraws waiting ones") {
    Loop loop;
    std::atomic<int> running{0}, most{0};
    std::atomic<bool> release{false};
    auto blocking = [&] {
        const int now = running.fetch_add(1) + 1;
        for (int seen = most.load(); now > seen && !most.compare_exchange_weak(seen, now);) {
        }
        while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        running.fetch_sub(1);
    };
    int completed = 0, withdrawn = 0;
    {
        // libuv's own pool has 4 threads in this test process: a cap of 3 is reachable.
        WorkPool pool(loop, 3);
        std::vector<WorkPool::JobPtr> jobs;
        for (int i = 0; i < 6; ++i) {
            jobs.push_back(pool.submit(blocking, [&](bool did_run) { did_run ? ++completed : ++withdrawn; }));
        }
        auto timer = Timer::create(loop);
        int ticks = 0;
        timer->start_repeating(std::chrono::milliseconds(10), [&] {
            if (running.load() < 3 && ++ticks < 500) return;
            CHECK(running.load() == 3);
            pool.cancel(jobs.back());  // still waiting: withdrawn, never run
            release = true;
            timer->stop();
        });
        loop.run();
        timer.reset();
        pool.close();
    }
    CHECK(most.load() == 3);
    CHECK(completed == 5);
    CHECK(withdrawn == 1);
    CHECK(loop.close() == 0);
}

TEST_SUITE_END();
