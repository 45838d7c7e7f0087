#include "core/loop/loop.hpp"
#include "core/loop/timer.hpp"

#include <doctest/doctest.h>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::loop;

TEST_CASE("post never runs inside the caller and keeps order") {
    Loop loop;
    std::vector<int> seen;
    loop.post([&] {
        seen.push_back(1);
        loop.post([&] { seen.push_back(3); });
    });
    loop.post([&] { seen.push_back(2); });
    CHECK(seen.empty());
    loop.run();
    CHECK(seen == std::vector<int>{1, 2, 3});
    CHECK(loop.close() == 0);
}

TEST_CASE("deferred deletion happens after the current callback") {
    struct Probe {
        explicit Probe(bool& flag) : deleted(flag) {}
        ~Probe() { deleted = true; }
        bool& deleted;
    };
    Loop loop;
    bool deleted = false;
    loop.post([&] {
        loop.defer_delete(std::make_unique<Probe>(deleted));
        CHECK_FALSE(deleted);
    });
    loop.run();
    CHECK(deleted);
    CHECK(loop.close() == 0);
}

TEST_CASE("timers fire, restart and close without leaking") {
    Loop loop;
    int fired = 0;
    auto timer = Timer::create(loop);
    timer->start(std::chrono::milliseconds(1), [&] {
        if (++fired < 3) timer->start(std::chrono::milliseconds(1), [&] { ++fired; });
    });
    loop.run();
    CHECK(fired == 2);
    timer.reset();
    CHECK(loop.close() == 0);
}

TEST_CASE("a loop with an open handle reports it at close") {
    Loop loop;
    auto* leaked = new uv_timer_t;
    uv_timer_init(loop.get(), leaked);
    auto* also = new uv_timer_t;
    uv_timer_init(loop.get(), also);
    auto* idle = new uv_idle_t;
    uv_idle_init(loop.get(), idle);
    CHECK(loop.close() == UV_EBUSY);
    CHECK(loop.leaked_handles() == "1 idle, 2 timer");  // by type, for the warning gaia logs
    uv_close(reinterpret_cast<uv_handle_t*>(also), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    uv_close(reinterpret_cast<uv_handle_t*>(idle), [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
    uv_close(reinterpret_cast<uv_handle_t*>(leaked), [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
    uv_run(loop.get(), UV_RUN_DEFAULT);
    CHECK(uv_loop_close(loop.get()) == 0);
}

TEST_SUITE_END();
