#include "core/loop/proc_scan.hpp"

#include <dirent.h>
#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>

namespace gaia::loop {
namespace {

// True for a child of gaia between its clone and its exec (a spawn on the thread pool,
// glibc's CLONE_VM): it shares gaia's address space, and holds a copy of every gaia
// descriptor until its exec closes them. kcmp compares the two address spaces; where it
// is missing (a kernel without CONFIG_CHECKPOINT_RESTORE), nothing is taken for one.
bool spawn_in_progress(pid_t pid) {
    return ::syscall(SYS_kcmp, ::getpid(), pid, KCMP_VM, 0, 0) == 0;
}

// Calls fn(pid) for every process directory in /proc.
template <class Fn>
void for_each_pid(Fn fn) {
    DIR* proc = ::opendir("/proc");
    if (!proc) return;
    while (const dirent* e = ::readdir(proc)) {
        char* end = nullptr;
        const long pid = std::strtol(e->d_name, &end, 10);
        if (pid > 0 && *end == '\0') fn(static_cast<pid_t>(pid));
    }
    ::closedir(proc);
}

// The parent from /proc/PID/stat: "PID (COMM) STATE PPID …", where COMM may hold spaces
// and parentheses, so the fields are counted from the last ')'.
pid_t parent_of(pid_t pid) {
    const std::string path = "/proc/" + std::to_string(pid) + "/stat";
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    char buf[512];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    const char* close = std::strrchr(buf, ')');
    if (!close || close[1] == '\0' || close[2] == '\0') return -1;
    return static_cast<pid_t>(std::strtol(close + 4, nullptr, 10));  // ") S PPID"
}

}  // namespace

std::unordered_map<pid_t, pid_t> read_parents() {
    std::unordered_map<pid_t, pid_t> parents;
    for_each_pid([&](pid_t pid) {
        const pid_t parent = parent_of(pid);
        if (parent >= 0) parents.emplace(pid, parent);
    });
    return parents;
}

std::vector<pid_t> descendants(const std::unordered_map<pid_t, pid_t>& parents, pid_t root) {
    std::unordered_map<pid_t, std::vector<pid_t>> children;
    for (const auto& [pid, parent] : parents) children[parent].push_back(pid);
    std::vector<pid_t> out;
    std::unordered_set<pid_t> seen{root};
    std::vector<pid_t> unvisited{root};
    while (!unvisited.empty()) {
        const pid_t at = unvisited.back();
        unvisited.pop_back();
        auto it = children.find(at);
        if (it == children.end()) continue;
        for (pid_t child : it->second) {
            if (!seen.insert(child).second) continue;
            out.push_back(child);
            unvisited.push_back(child);
        }
    }
    return out;
}

void kill_children_and_descendants(const std::unordered_set<pid_t>& spared) {
    const auto parents = read_parents();
    std::vector<pid_t> all;
    for (const auto& [pid, parent] : parents) {
        if (parent != ::getpid() || spared.count(pid)) continue;
        all.push_back(pid);
        const auto below = descendants(parents, pid);
        all.insert(all.end(), below.begin(), below.end());
    }
    // Stop them from forking first, then kill: a dying parent's children are not missed.
    for (pid_t pid : all) ::kill(pid, SIGSTOP);
    for (pid_t pid : all) ::kill(pid, SIGKILL);
}

std::vector<pid_t> pipe_holders(const std::vector<ino_t>& inodes) {
    std::vector<std::string> links;
    for (ino_t inode : inodes) links.push_back("pipe:[" + std::to_string(inode) + "]");
    std::vector<pid_t> out;
    const pid_t self = ::getpid();
    for_each_pid([&](pid_t pid) {
        // gaia holds the reading ends, and so does each of its spawns still in progress:
        // a holder found there would be another job's process, killed before its exec.
        if (pid == self || spawn_in_progress(pid)) return;
        const std::string dir = "/proc/" + std::to_string(pid) + "/fd";
        DIR* fds = ::opendir(dir.c_str());
        if (!fds) return;
        char target[64];
        bool holds = false;
        while (const dirent* e = ::readdir(fds)) {
            if (e->d_name[0] == '.') continue;
            const ssize_t n = ::readlinkat(::dirfd(fds), e->d_name, target, sizeof target - 1);
            if (n <= 0) continue;
            target[n] = '\0';
            if (std::find(links.begin(), links.end(), target) != links.end()) {
                holds = true;
                break;
            }
        }
        ::closedir(fds);
        if (holds) out.push_back(pid);
    });
    return out;
}

}  // namespace gaia::loop
