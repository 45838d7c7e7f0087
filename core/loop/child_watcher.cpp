#include "core/loop/child_watcher.hpp"

#include "core/loop/proc_scan.hpp"

#include <optional>
#include <unordered_set>

#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>

namespace gaia::loop {

ChildWatcher::ChildWatcher(Loop& loop)
    : loop_(loop), sigchld_(SignalWatcher::create(loop, SIGCHLD, [this](int) { reap(); })) {
    // Orphans of a job (a shell's background children) are re-parented to gaia instead
    // of to init, so that they are reaped here and process groups can be proven empty.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void ChildWatcher::update_ref() {
    if (!sigchld_) return;
    if (watched_.empty()) uv_unref(sigchld_->as_handle());
    else uv_ref(sigchld_->as_handle());
}

void ChildWatcher::watch(pid_t pid, ExitCallback on_exit) {
    watched_[pid] = std::move(on_exit);
    update_ref();
}

std::uint64_t ChildWatcher::begin_spawn() {
    spawning_.insert(reaped_);
    return reaped_;
}

void ChildWatcher::end_spawn(std::uint64_t mark) {
    if (auto it = spawning_.find(mark); it != spawning_.end()) spawning_.erase(it);
    forget_unclaimable();
}

// An exit reaped before the oldest spawn under way began is no spawn's: an orphan's, or
// one whose watch has come and gone. Without spawns under way, none is kept.
void ChildWatcher::forget_unclaimable() {
    while (!unclaimed_order_.empty() &&
           (spawning_.empty() || unclaimed_order_.front().second <= *spawning_.begin())) {
        forget_oldest_unclaimed();
    }
}

void ChildWatcher::forget_oldest_unclaimed() {
    const auto [pid, number] = unclaimed_order_.front();
    unclaimed_order_.pop_front();
    // Only if it is that exit still, not a later one of a process that reused the pid.
    if (auto it = unclaimed_.find(pid); it != unclaimed_.end() && it->second.number == number) unclaimed_.erase(it);
}

void ChildWatcher::watch(pid_t pid, std::uint64_t mark, ExitCallback on_exit) {
    std::optional<Exit> exit;
    if (auto it = unclaimed_.find(pid); it != unclaimed_.end()) {
        // What was reaped before the mark is an earlier process that had this pid.
        if (it->second.number > mark) exit = it->second;
        unclaimed_.erase(it);
    }
    end_spawn(mark);  // after the lookup: it may forget what this spawn came for
    if (!exit) return watch(pid, std::move(on_exit));  // not reaped yet
    loop_.post([exit = *exit, on_exit = std::move(on_exit)] { on_exit(exit.status, exit.usage); });
}

void ChildWatcher::keep_unclaimed(pid_t pid, int status, const rusage& usage) {
    unclaimed_.insert_or_assign(pid, Exit{status, usage, reaped_});
    unclaimed_order_.emplace_back(pid, reaped_);
    while (unclaimed_order_.size() > kMaxUnclaimed) forget_oldest_unclaimed();
}

void ChildWatcher::unwatch(pid_t pid) {
    watched_.erase(pid);
    update_ref();
}

void ChildWatcher::reap() {
    while (true) {
        int status = 0;
        rusage usage{};
        const pid_t pid = ::wait4(-1, &status, WNOHANG, &usage);
        if (pid == 0) return;  // children remain, none has ended
        if (pid < 0) {
            if (errno == EINTR) continue;
            return;  // ECHILD: no children at all
        }
        ++reaped_;
        auto it = watched_.find(pid);
        if (it == watched_.end()) {
            // A child whose spawn has not come back to the loop yet — or an orphan of some
            // job, which is kept only while spawns are under way.
            if (!spawning_.empty()) keep_unclaimed(pid, status, usage);
            continue;
        }
        auto on_exit = std::move(it->second);
        watched_.erase(it);
        update_ref();
        if (on_exit) on_exit(status, usage);
    }
}

void ChildWatcher::kill_adopted() {
    std::unordered_set<pid_t> watched;
    for (const auto& [pid, callback] : watched_) watched.insert(pid);
    kill_children_and_descendants(watched);
    reap();
}

void ChildWatcher::close() {
    watched_.clear();
    spawning_.clear();
    unclaimed_.clear();
    unclaimed_order_.clear();
    sigchld_.reset();
}

}  // namespace gaia::loop
