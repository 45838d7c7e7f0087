#pragma once
// Reaping of child processes. gaia starts children itself (see spawn.hpp), so it also
// reaps them: on SIGCHLD, wait4() collects every child that ended — with its rusage, the
// exact user and system CPU time and peak RSS — and hands it to whoever watches that
// pid. gaia is a child subreaper, so the orphans of its jobs end up here too and are
// reaped instead of lingering as zombies. A child spawned off the loop thread may end
// before its pid is known to the loop: while spawns are under way, the exits nobody watches are kept, and
// a watch() that says when its spawn began gets the exit that came after that.

#include "core/loop/signal_watcher.hpp"

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <unordered_map>
#include <utility>

namespace gaia::loop {

class ChildWatcher {
public:
    using ExitCallback = std::function<void(int wait_status, const rusage& usage)>;

    explicit ChildWatcher(Loop& loop);
    ChildWatcher(const ChildWatcher&) = delete;
    ChildWatcher& operator=(const ChildWatcher&) = delete;

    // While a watched child runs, the loop keeps running.
    void watch(pid_t pid, ExitCallback on_exit);
    // A spawn that completes off the loop thread: begin_spawn() as it starts, returning
    // where the count of reaped children stands (its mark); then watch(pid, mark, …) once
    // the pid is known, or end_spawn(mark) when the spawn failed.
    std::uint64_t begin_spawn();
    void end_spawn(std::uint64_t mark);
    // As watch(), for a child spawned after `mark`: if it has already been reaped, on_exit
    // comes on a later loop turn. Ends the spawn.
    void watch(pid_t pid, std::uint64_t mark, ExitCallback on_exit);
    // Exits reaped while spawns were under way and not claimed yet.
    std::size_t unclaimed() const noexcept { return unclaimed_.size(); }
    void unwatch(pid_t pid);
    std::size_t watched() const noexcept { return watched_.size(); }

    // Collects every child that has ended (also called on each SIGCHLD).
    void reap();
    void close();

    // At gaia's end, once every job, browser and service has been stopped: what still
    // runs below gaia is an orphan it adopted as their subreaper (a job's child that left
    // its group and outlived its parent, where no cgroup held it). It is killed, with all
    // it started, and reaped: nothing gaia started outlives it.
    void kill_adopted();

private:
    void update_ref();
    void keep_unclaimed(pid_t pid, int status, const rusage& usage);
    void forget_unclaimable();
    void forget_oldest_unclaimed();

    struct Exit {
        int status = 0;
        rusage usage{};
        std::uint64_t number = 0;  // reaped_ when it was reaped
    };
    // A bound that only a pathological burst could reach: exits are kept only while a
    // spawn is under way, and only those reaped after the oldest one began.
    static constexpr std::size_t kMaxUnclaimed = 65536;

    Loop& loop_;
    HandlePtr<SignalWatcher> sigchld_;
    std::unordered_map<pid_t, ExitCallback> watched_;
    std::uint64_t reaped_ = 0;
    std::multiset<std::uint64_t> spawning_;  // the marks of spawns under way
    std::unordered_map<pid_t, Exit> unclaimed_;
    std::deque<std::pair<pid_t, std::uint64_t>> unclaimed_order_;  // oldest first, to forget beyond kMaxUnclaimed
};

}  // namespace gaia::loop
