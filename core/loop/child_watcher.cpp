#include "core/loop/child_watcher.hpp"

#include "core/loop/proc_scan.hpp"

#include <unordered_set>

#include <sys/prctl.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>

namespace gaia::loop {

ChildWatcher::ChildWatcher(Loop& loop)
    : sigchld_(SignalWatcher::create(loop, SIGCHLD, [this](int) { reap(); })) {
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
        auto it = watched_.find(pid);
        if (it == watched_.end()) continue;  // an orphan of some job: reaped, nothing to report
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
    sigchld_.reset();
}

}  // namespace gaia::loop
