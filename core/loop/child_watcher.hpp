#pragma once
// Reaping of child processes. gaia starts children itself (see spawn.hpp), so it also
// reaps them: on SIGCHLD, wait4() collects every child that ended — with its rusage, the
// exact user and system CPU time and peak RSS — and hands it to whoever watches that
// pid. gaia is a child subreaper, so the orphans of its jobs end up here too and are
// reaped instead of lingering as zombies.

#include "core/loop/signal_watcher.hpp"

#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <unordered_map>

namespace gaia::loop {

class ChildWatcher {
public:
    using ExitCallback = std::function<void(int wait_status, const rusage& usage)>;

    explicit ChildWatcher(Loop& loop);
    ChildWatcher(const ChildWatcher&) = delete;
    ChildWatcher& operator=(const ChildWatcher&) = delete;

    // While a watched child runs, the loop keeps running.
    void watch(pid_t pid, ExitCallback on_exit);
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

    HandlePtr<SignalWatcher> sigchld_;
    std::unordered_map<pid_t, ExitCallback> watched_;
};

}  // namespace gaia::loop
