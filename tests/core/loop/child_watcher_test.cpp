// ChildWatcher with real children: an exit reaped before the loop knows the child's pid
// (its spawn ran on a pool thread) still reaches the watch() that comes afterwards, and
// only that one.

#include "core/loop/child_watcher.hpp"
#include "core/loop/spawn.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <chrono>
#include <thread>

// In-process and quick: `ctest -L unit` runs these (tests/CMakeLists.txt).
TEST_SUITE_BEGIN("unit");

using namespace gaia::loop;

namespace {

pid_t start_true() {
    SpawnRequest request;
    request.program = "/bin/true";
    request.argv = {"true"};
    const pid_t pid = spawn_process(request);
    REQUIRE(pid > 0);
    return pid;
}

// Reaps until `pid` has been collected by the watcher (it ends within milliseconds).
void reap_until_gone(ChildWatcher& children, pid_t pid) {
    for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        children.reap();
    }
    REQUIRE(::kill(pid, 0) != 0);  // reaped: no such process any more
}

}  // namespace

TEST_CASE("child watcher: a child reaped before its pid is watched reports its exit to the watch that follows its spawn") {
    Loop loop;
    ChildWatcher children(loop);
    const auto mark = children.begin_spawn();
    const pid_t pid = start_true();
    reap_until_gone(children, pid);
    CHECK(children.unclaimed() == 1);
    int status = -1;
    bool inside_watch = true;
    children.watch(pid, mark, [&](int wait_status, const rusage&) {
        CHECK_FALSE(inside_watch);  // on a later turn
        status = wait_status;
    });
    inside_watch = false;
    CHECK(children.unclaimed() == 0);
    loop.run();
    REQUIRE(status != -1);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // Claimed once: a later spawn that gets this pid waits for its own process's exit.
    bool again = false;
    children.watch(pid, children.begin_spawn(), [&](int, const rusage&) { again = true; });
    CHECK(children.watched() == 1);
    children.unwatch(pid);
    children.close();
    CHECK(loop.close() == 0);
    CHECK_FALSE(again);
}

TEST_CASE("child watcher: an exit reaped before the mark belongs to an earlier process of that pid") {
    Loop loop;
    ChildWatcher children(loop);
    const auto first = children.begin_spawn();
    const pid_t pid = start_true();
    reap_until_gone(children, pid);
    // A spawn that begins now and (as if the pid were reused) gets the same pid: the exit
    // kept for the first spawn is not its.
    const auto mark = children.begin_spawn();
    bool called = false;
    children.watch(pid, mark, [&](int, const rusage&) { called = true; });
    CHECK(children.watched() == 1);
    children.unwatch(pid);
    children.end_spawn(first);
    loop.run();
    CHECK_FALSE(called);
    children.close();
    CHECK(loop.close() == 0);
}

TEST_CASE("child watcher: exits nobody watches are kept only while a spawn is under way") {
    Loop loop;
    ChildWatcher children(loop);
    // An orphan's exit with no spawn under way: nothing could ever claim it.
    const pid_t orphan = start_true();
    reap_until_gone(children, orphan);
    CHECK(children.unclaimed() == 0);
    // During a spawn that then fails, the exits reaped meanwhile wait for it, and are
    // forgotten when it ends.
    const auto mark = children.begin_spawn();
    const pid_t other = start_true();
    reap_until_gone(children, other);
    CHECK(children.unclaimed() == 1);
    children.end_spawn(mark);
    CHECK(children.unclaimed() == 0);
    children.close();
    CHECK(loop.close() == 0);
}

TEST_SUITE_END();
